import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, openJetStream, type JetStreamContext } from '@ri/event-store';
import { newEvent, topology, type RemoteIdentityEvent } from '@ri/events';
import { silentLogger } from '@ri/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactWriter } from './facts.ts';
import { FetchRunner, type FetchOutcome } from './fetch-runner.ts';

let nats: JetStreamContext;

beforeAll(async () => {
  const nc = await connectNats({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'fetch-runner-test',
  });
  nats = await openJetStream(nc, { topology: topology(`fr-${randomBytes(4).toString('hex')}`) });
});

afterAll(async () => {
  if (!nats) return;
  for (const stream of [nats.topology.identityStream, nats.topology.mailStream]) {
    await nats.jsm.streams.delete(stream).catch(() => false);
  }
  await nats.nc.drain();
});

const COMPLETED: FetchOutcome = {
  fetched: 3,
  bytes: 30,
  uidValidity: '1',
  lastUid: 3,
  cancelled: false,
  total: 3,
};

/** A runner for a fresh identity, and the types of the facts it appended. */
function runnerFor() {
  const identityId = randomUUID();
  const facts = new FactWriter({
    log: nats.log,
    identityId,
    userId: 'user-1',
    now: () => new Date(),
  });
  const cause: RemoteIdentityEvent = newEvent(
    'ConnectionRequested',
    {},
    {
      remote_identity_id: identityId,
      user_id: 'user-1',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date().toISOString(),
    },
  );
  const runner = new FetchRunner({
    facts,
    logger: silentLogger(),
    fetchMethod: 'from_beginning',
  });
  const events = async () => (await nats.log.read(identityId)).map((s) => s.event);
  const types = async () => (await events()).map((e) => e.type);
  return { runner, cause, types, events };
}

describe('FetchRunner', () => {
  it('answers a failure that may pass, so that the session tries again', async () => {
    const { runner, cause, types } = runnerFor();
    const timeout = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
    const failure = await runner.run(cause, 'INBOX', () => Promise.reject(timeout));
    expect(failure).toMatchObject({ code: 'TIMEOUT', transient: true });

    expect(await runner.run(cause, 'INBOX', async () => COMPLETED)).toBeUndefined();
    expect(await types()).toEqual([
      'FetchStarted',
      'FetchFailed',
      'FetchStarted',
      'FetchCompleted',
    ]);
  });

  it('answers a failure that the user must mend as such', async () => {
    const { runner, cause, types } = runnerFor();
    const refused = Object.assign(new Error('refused'), { code: 'DESTINATION_NOT_ALLOWED' });
    const failure = await runner.run(cause, 'INBOX', () => Promise.reject(refused));
    expect(failure).toMatchObject({ transient: false });
    expect(await types()).toEqual(['FetchStarted', 'FetchFailed']);
  });

  it('stops every running fetch on a cancel, each acknowledged under its own id', async () => {
    const { runner, cause, events } = runnerFor();
    const untilCancelled = (isCancelled: () => boolean) =>
      new Promise<FetchOutcome>((resolve) => {
        const poll = setInterval(() => {
          if (!isCancelled()) return;
          clearInterval(poll);
          resolve({ ...COMPLETED, fetched: 0, cancelled: true });
        }, 5);
      });
    const inbox = runner.run(cause, 'INBOX', untilCancelled);
    const archive = runner.run(cause, 'Archive', untilCancelled);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await runner.cancel(cause);
    await Promise.all([inbox, archive]);
    expect(runner.paused).toBe(true);
    const acks = (await events()).filter((e) => e.type === 'FetchCancelAcknowledged');
    expect(acks.map((e) => (e.data as { mailbox: string }).mailbox).sort()).toEqual([
      'Archive',
      'INBOX',
    ]);
  });
});
