import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { EventOf, RemoteIdentityEvent } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import {
  createConnectedIdentity,
  readIdentity,
  requireConnection,
} from '../support/identity-api.ts';
import { fillMaildir } from '../support/maildir.ts';
import { startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

// A threshold of seconds and retries every few hundred milliseconds: the same policy as the
// 72 hours and 1 s to 5 min of production, compressed so that a streak runs its course here.
const PAUSE_AFTER_MS = 6000;
const RETRY = { baseMs: 100, maxMs: 400 };

let dovecot: DovecotServer;
let system: TestSystem;
let dataset: DatasetMessage[];

beforeAll(async () => {
  dataset = loadGroup('spam-2').slice(0, 20);
  dovecot = await startDovecot();
  await fillMaildir(dovecot, dataset);
  system = await startTestSystem({
    caFiles: [dovecot.caCertFile],
    pauseAfterMs: PAUSE_AFTER_MS,
    imap: { retry: RETRY },
  });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

/** A loopback port that nothing listens on, so that connecting to it is refused at once. */
function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function createRefusedIdentity(user: string): Promise<string> {
  return createConnectedIdentity(system, user, {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: dovecot.host,
    mail_port: await refusedPort(),
    fetch_method: 'from_beginning',
  });
}

const ofType =
  <T extends RemoteIdentityEvent['type']>(type: T) =>
  (event: RemoteIdentityEvent): event is EventOf<T> =>
    event.type === type;

async function waitForEvent<T extends RemoteIdentityEvent['type']>(
  id: string,
  type: T,
): Promise<EventOf<T>> {
  const events = await waitFor(
    () => system.events(id),
    (list) => list.some(ofType(type)),
    { what: `${type} in the log`, timeoutMs: 60_000 },
  );
  return events.find(ofType(type))!;
}

describe('an identity that fails for longer than CONNECTOR_PAUSE_AFTER', () => {
  it('is paused, retried no more, shown paused, and resumed by new params', async () => {
    const user = 'user-pause-1';
    const id = await createRefusedIdentity(user);

    // 1. Retries until the threshold, then one ConnectionPaused that counts from the first one.
    const pause = await waitForEvent(id, 'ConnectionPaused');
    const before = (await system.events(id)).filter(ofType('ConnectionFailed'));
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.every((f) => f.data.code === 'CONNECTION_REFUSED')).toBe(true);
    expect(pause.data.failing_since).toBe(before[0]!.occurred_at);
    expect(pause.data).toMatchObject({ code: 'CONNECTION_REFUSED', user_action: 'check_settings' });
    const streakMs = Date.parse(pause.occurred_at) - Date.parse(pause.data.failing_since);
    expect(streakMs).toBeGreaterThanOrEqual(PAUSE_AFTER_MS);

    // 2. Silence afterwards. Only an absence is checked here, so a wait is unavoidable: ten
    // times the longest retry delay, in which an unpaused identity would fail again and again.
    await delay(RETRY.maxMs * 10);
    const after = await system.events(id);
    expect(after.filter(ofType('ConnectionFailed'))).toHaveLength(before.length);
    expect(after.at(-1)?.type).toBe('ConnectionPaused');

    // 3. The API shows the pause once the projection has it.
    const shown = await waitFor(
      () => readIdentity(system, user, id),
      (a) => a.body?.paused_since !== null && a.body?.paused_since !== undefined,
      { what: 'paused_since in the API' },
    );
    expect(Date.parse(shown.body.paused_since)).toBe(Date.parse(pause.occurred_at));
    expect(shown.body).toMatchObject({
      connected: false,
      connection_required: true,
      last_error: { code: 'CONNECTION_REFUSED' },
    });

    // 4. New params that point at a real server end the pause: it connects and fetches.
    const patched = await system.call(user, 'PATCH', `/v1/remote-identities/${id}`, {
      params: { mail_port: dovecot.imapPort },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.paused_since).toBeNull();
    const fetched = await waitFor(
      () => readIdentity(system, user, id),
      (a) =>
        a.body?.connected === true &&
        a.body?.is_fetching === false &&
        a.body?.messages_fetched === dataset.length,
      { what: 'connected and fetched after the resume', timeoutMs: 60_000 },
    );
    expect(fetched.body).toMatchObject({ paused_since: null, last_error: null });
    const types = (await system.events(id)).map((e) => e.type);
    const resumedAt = types.lastIndexOf('RemoteIdentityUpdated');
    expect(resumedAt).toBeGreaterThan(types.indexOf('ConnectionPaused'));
    expect(types.slice(resumedAt)).toEqual(expect.arrayContaining(['Connected', 'FetchCompleted']));
  });

  it('tries a wrong password once and then waits for the user, without pausing', async () => {
    const id = await createConnectedIdentity(system, 'user-pause-3', {
      login: dovecot.user,
      password: 'not-the-password',
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_now',
    });
    const failed = await waitForEvent(id, 'ConnectionFailed');
    expect(failed.data).toMatchObject({ code: 'AUTH_FAILED', user_action: 'relogin' });
    // An absence again: a server error would have been retried a dozen times by now.
    await delay(RETRY.maxMs * 10);
    const types = (await system.events(id)).map((e) => e.type);
    expect(types.filter((t) => t === 'ConnectionFailed')).toHaveLength(1);
    expect(types).not.toContain('ConnectionPaused');
  });

  it('keeps counting from the first failure in the log across a restart', async () => {
    const user = 'user-pause-2';
    const id = await createRefusedIdentity(user);
    const first = await waitForEvent(id, 'ConnectionFailed');

    // Restart halfway through the streak: a count that began again at the restart would
    // pause no sooner than a whole threshold after it.
    const halfway = Date.parse(first.occurred_at) + PAUSE_AFTER_MS / 2;
    await waitFor(
      async () => Date.now(),
      (now) => now >= halfway,
      { what: 'halfway through the streak' },
    );
    await system.restart();
    const restartedAt = Date.now();

    const pause = await waitForEvent(id, 'ConnectionPaused');
    expect(pause.data.failing_since).toBe(first.occurred_at);
    const pausedAt = Date.parse(pause.occurred_at);
    expect(pausedAt - Date.parse(first.occurred_at)).toBeGreaterThanOrEqual(PAUSE_AFTER_MS);
    expect(pausedAt - restartedAt).toBeLessThan(PAUSE_AFTER_MS);
    const failures = (await system.events(id)).filter(ofType('ConnectionFailed'));
    expect(failures.some((f) => Date.parse(f.occurred_at) > restartedAt)).toBe(true);

    // A connection request resumes it: one more try at once, and a new streak, not a pause.
    await requireConnection(system, user, id, true);
    const retried = await waitFor(
      () => system.events(id),
      (list) => list.filter(ofType('ConnectionFailed')).length > failures.length,
      { what: 'a try after the resume' },
    );
    expect(retried.filter(ofType('ConnectionPaused'))).toHaveLength(1);
    await waitFor(
      () => readIdentity(system, user, id),
      (a) => a.body?.paused_since === null && a.body?.last_error?.code === 'CONNECTION_REFUSED',
      { what: 'the pause cleared in the API' },
    );
  });
});
