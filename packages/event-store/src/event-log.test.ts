import { randomBytes, randomUUID } from 'node:crypto';
import { newEvent, topology, type RemoteIdentityEvent } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connect.ts';
import { openJetStream, type JetStreamContext } from './jetstream.ts';

let context: JetStreamContext;
const names = topology(`es-${randomBytes(4).toString('hex')}`);

beforeAll(async () => {
  const nc = await connectNats({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'test',
  });
  context = await openJetStream(nc, { topology: names });
});

afterAll(async () => {
  for (const stream of [names.identityStream, names.mailStream, names.summaryStream]) {
    await context?.jsm.streams.delete(stream).catch(() => false);
  }
  await context?.nc.drain();
});

function connected(remoteIdentityId: string): RemoteIdentityEvent {
  return newEvent(
    'Connected',
    { connector: 'test', server: 'imap.example.org', port: 993 },
    {
      remote_identity_id: remoteIdentityId,
      user_id: 'alice',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date().toISOString(),
    },
  );
}

describe('EventLog.readAfter', () => {
  it('reads only the identity’s events after a sequence, in order', async () => {
    const id = randomUUID();
    const other = randomUUID();
    const sequences: number[] = [];
    for (let i = 0; i < 4; i++) {
      sequences.push((await context.log.append(connected(id))).sequence);
      await context.log.append(connected(other));
    }
    const after = await context.log.readAfter(id, sequences[1] ?? 0);
    expect(after.map((stored) => stored.sequence)).toEqual(sequences.slice(2));
    expect(after.every((stored) => stored.event.remote_identity_id === id)).toBe(true);
  });

  it('is empty when nothing follows the sequence, or the identity has no events', async () => {
    const id = randomUUID();
    const { sequence } = await context.log.append(connected(id));
    expect(await context.log.readAfter(id, sequence)).toEqual([]);
    expect(await context.log.readAfter(randomUUID(), 0)).toEqual([]);
  });
});
