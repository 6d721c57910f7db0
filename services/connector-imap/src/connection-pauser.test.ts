import { randomBytes, randomUUID } from 'node:crypto';
import { Kvm, type KV } from '@nats-io/kv';
import { connectNats, openJetStream, type JetStreamContext } from '@ri/event-store';
import {
  foldIdentity,
  newEvent,
  topology,
  type EventData,
  type EventType,
  type IdentityState,
  type RemoteIdentityEvent,
} from '@ri/events';
import { silentLogger } from '@ri/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPauser } from './connection-pauser.ts';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOPOLOGY = topology(`pauser-test-${randomBytes(4).toString('hex')}`);
const PAUSE_AFTER_MS = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

let nats: JetStreamContext;
let wanted: KV;

beforeAll(async () => {
  nats = await openJetStream(await connectNats({ url: NATS_URL, name: 'pauser-test' }), {
    topology: TOPOLOGY,
  });
  wanted = await new Kvm(nats.js).create(TOPOLOGY.bucket('pauser-test-sessions'));
});

afterAll(async () => {
  await wanted?.destroy();
  await nats?.jsm.streams.delete(TOPOLOGY.identityStream);
  await nats?.jsm.streams.delete(TOPOLOGY.mailStream);
  await nats?.nc.drain();
});

/** A fresh identity in the log, failing since T0; answers its state and an event maker. */
async function failingIdentity() {
  const id = randomUUID();
  const event = <T extends EventType>(type: T, data: EventData<T>, at: number) =>
    newEvent(type, data, {
      remote_identity_id: id,
      user_id: 'user-1',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date(at).toISOString(),
    });
  const history: RemoteIdentityEvent[] = [
    event(
      'RemoteIdentityCreated',
      {
        identity_type: 'email',
        identity_id: 'e1',
        provider: null,
        params: {
          login: 'alice',
          mail_protocol: 'IMAP',
          incomming_mail_server: 'imap.example.org',
          mail_port: 993,
          fetch_method: 'from_now',
        },
        secrets: {},
      },
      T0 - 1000,
    ),
    event('ConnectionRequested', {}, T0 - 500),
    event('ConnectionFailed', { connector: 'imap', code: 'TIMEOUT', message: 'slow' }, T0),
  ];
  for (const e of history) await nats.log.append(e);
  await wanted.put(id, new TextEncoder().encode(history[1]!.event_id));
  const state = foldIdentity(history) as IdentityState;
  return { id, state, cause: history[1]!, event };
}

function pauser(nowMs: number, log: ConstructorParameters<typeof ConnectionPauser>[0]['log']) {
  return new ConnectionPauser({
    log,
    wanted,
    logger: silentLogger(),
    now: () => new Date(nowMs),
    pauseAfterMs: PAUSE_AFTER_MS,
  });
}

const typesOf = async (id: string) => (await nats.log.read(id)).map((s) => s.event.type);

describe('ConnectionPauser', () => {
  it('neither pauses nor forgets the session before the threshold', async () => {
    const { id, state, cause } = await failingIdentity();
    expect(await pauser(T0 + PAUSE_AFTER_MS - 1, nats.log).pauseIfDue(state, cause)).toBe(false);
    expect(await typesOf(id)).not.toContain('ConnectionPaused');
    expect(await wanted.get(id)).not.toBeNull();
  });

  it('appends one ConnectionPaused past the threshold and forgets the session', async () => {
    const { id, state, cause } = await failingIdentity();
    const late = pauser(T0 + PAUSE_AFTER_MS, nats.log);
    expect(await late.pauseIfDue(state, cause)).toBe(true);
    expect(await late.pauseIfDue(state, cause)).toBe(false);
    const pauses = (await nats.log.read(id))
      .map((s) => s.event)
      .filter((e) => e.type === 'ConnectionPaused');
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatchObject({
      causation_id: cause.event_id,
      correlation_id: cause.correlation_id,
      occurred_at: new Date(T0 + PAUSE_AFTER_MS).toISOString(),
      data: { failing_since: new Date(T0).toISOString(), code: 'TIMEOUT' },
    });
    expect((await wanted.get(id))?.operation).not.toBe('PUT');
  });

  it('gives way to a request that the user appends while it decides', async () => {
    const { id, state, cause, event } = await failingIdentity();
    let raced = false;
    // The real log, with the user's request landing right after the pauser has read it.
    const racing = {
      read: async (identityId: string) => {
        const stored = await nats.log.read(identityId);
        if (!raced) {
          raced = true;
          await nats.log.append(event('ConnectionRequested', {}, T0 + PAUSE_AFTER_MS));
        }
        return stored;
      },
      append: nats.log.append.bind(nats.log),
    };
    expect(await pauser(T0 + 2 * PAUSE_AFTER_MS, racing).pauseIfDue(state, cause)).toBe(false);
    expect(raced).toBe(true);
    expect((await typesOf(id)).at(-1)).toBe('ConnectionRequested');
    expect(await wanted.get(id)).not.toBeNull();
  });
});
