import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, openJetStream, type JetStreamContext } from '@ri/event-store';
import { newEvent, topology, type RemoteIdentityEvent } from '@ri/events';
import { silentLogger } from '@ri/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactWriter } from './facts.ts';
import { FetchRunner, type FetchOutcome } from './fetch-runner.ts';
import { RetrySchedule } from './retry-schedule.ts';

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

/** A runner for a fresh identity whose retries come after 10 to 20 ms instead of seconds. */
function runnerFor(retry: () => void) {
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
    mailbox: 'INBOX',
    fetchMethod: 'from_beginning',
    retry,
    retrySchedule: new RetrySchedule({ baseMs: 20, random: () => 0 }),
  });
  const types = async () => (await nats.log.read(identityId)).map((s) => s.event.type);
  return { runner, cause, types };
}

/** Resolves once `retry` has been called, or with false after `ms`. */
function retried(ms: number) {
  let call: () => void = () => undefined;
  const called = new Promise<boolean>((resolve) => {
    call = () => resolve(true);
    setTimeout(() => resolve(false), ms).unref();
  });
  return { retry: () => call(), called };
}

describe('FetchRunner', () => {
  it('asks for another fetch after one that failed in a way that may pass', async () => {
    const { retry, called } = retried(10_000);
    const { runner, cause, types } = runnerFor(retry);
    const timeout = Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    await runner.run(cause, () => Promise.reject(timeout));
    expect(await called).toBe(true);

    await runner.run(cause, async () => COMPLETED);
    expect(await types()).toEqual([
      'FetchStarted',
      'FetchFailed',
      'FetchStarted',
      'FetchCompleted',
    ]);
  });

  it('does not retry a fetch that failed for want of something the user must mend', async () => {
    const { retry, called } = retried(500);
    const { runner, cause, types } = runnerFor(retry);
    const refused = Object.assign(new Error('refused'), { code: 'DESTINATION_NOT_ALLOWED' });
    await runner.run(cause, () => Promise.reject(refused));
    expect(await called).toBe(false);
    expect(await types()).toEqual(['FetchStarted', 'FetchFailed']);
  });

  it('drops the pending retry when the session stops', async () => {
    const { retry, called } = retried(500);
    const { runner, cause } = runnerFor(retry);
    await runner.run(cause, () => Promise.reject(new Error('timeout')));
    runner.stopping(undefined);
    expect(await called).toBe(false);
  });
});
