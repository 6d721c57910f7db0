import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteIdentityEvent } from '@ri/events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChaosProxy, type ChaosLayer } from '../support/chaos-proxy.ts';
import { loadGroup, md5OfFetched } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import {
  createConnectedIdentity,
  readIdentity,
  requireConnection,
} from '../support/identity-api.ts';
import { appendMessage, fillMaildir, warmMailbox } from '../support/maildir.ts';
import {
  readPublishedMail,
  startTestSystem,
  waitFor,
  type ApiAnswer,
  type TestSystem,
} from '../support/system.ts';

// Deadlines of seconds, so that every fault is noticed fast; production uses minutes.
const IMAP = {
  timeoutMs: 2000,
  readTimeoutMs: 2000,
  idleRestartMs: 1000,
  retry: { baseMs: 200, maxMs: 2000 },
};
/** Room for a loaded machine on top of a deadline. */
const SLACK_MS = 4000;
/** More than one batch of publications, so that a fault strikes after some were confirmed. */
const MAILBOX_SIZE = 150;
const FAULT_AT_FETCH = 100;

let faulty: DovecotServer;
let healthy: DovecotServer;
let system: TestSystem;
/** MD5 of every message in the faulty server's INBOX, in the form md5OfFetched gives. */
const faultyMailbox: string[] = [];
let proxy: ChaosProxy | undefined;
const owners = new Map<string, string>();

beforeAll(async () => {
  [faulty, healthy] = await Promise.all([startDovecot(), startDovecot()]);
  const dataset = loadGroup('hard-ham-1').slice(0, MAILBOX_SIZE);
  await fillMaildir(faulty, dataset);
  await warmMailbox(faulty);
  faultyMailbox.push(...dataset.map((m) => m.md5));
  system = await startTestSystem({
    caFiles: [faulty.caCertFile, healthy.caCertFile],
    imap: IMAP,
  });
});

afterEach(async () => {
  // Quiet the identities of a case, so that the next one starts on a calm system.
  await Promise.all([...owners].map(([id, user]) => requireConnection(system, user, id, false)));
  owners.clear();
  await proxy?.stop();
  proxy = undefined;
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([faulty?.stop(), healthy?.stop()]);
});

async function startProxy(layer: ChaosLayer): Promise<ChaosProxy> {
  const tls = { cert: faulty.caCertPem, key: readFileSync(join(faulty.dir, 'key.pem'), 'utf8') };
  proxy = await ChaosProxy.start(
    layer === 'imap' ? { layer, target: faulty.imapPort, tls } : { target: faulty.imapPort },
  );
  return proxy;
}

async function createIdentity(port: number, fetchMethod: string): Promise<string> {
  const user = `user-faults-${owners.size}-${Date.now()}`;
  const server = port === healthy.imapPort ? healthy : faulty;
  const id = await createConnectedIdentity(system, user, {
    login: server.user,
    password: server.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: '127.0.0.1',
    mail_port: port,
    fetch_method: fetchMethod,
  });
  owners.set(id, user);
  return id;
}

/** One identity behind the proxy that fetches the faulty mailbox, one straight to dovecot. */
async function createPair(chaos: ChaosProxy): Promise<{ bad: string; good: string }> {
  const good = await createIdentity(healthy.imapPort, 'from_now');
  await waitFor(
    () => identity(good),
    (a) => a.body?.connected === true && a.body?.is_fetching === false,
    { what: 'the healthy identity connected' },
  );
  return { bad: await createIdentity(chaos.port, 'from_beginning'), good };
}

function identity(id: string): Promise<ApiAnswer> {
  return readIdentity(system, owners.get(id)!, id);
}

async function eventsOf<T extends RemoteIdentityEvent['type']>(id: string, type: T) {
  const events = await system.events(id);
  return events.filter((e): e is Extract<RemoteIdentityEvent, { type: T }> => e.type === type);
}

let appended = 0;
function newMessage(to: string): string {
  appended += 1;
  const headers = `From: faults@example.org\nTo: ${to}\nSubject: fault case ${appended}\n`;
  return `${headers}\nbody ${appended}\n`;
}

/** Appends a message for the healthy identity and waits until it has been published. */
async function healthyStillPublishes(good: string, expected: number): Promise<void> {
  await appendMessage(healthy, newMessage('healthy@example.org'));
  await waitFor(
    () => identity(good),
    (a) => a.body?.messages_fetched === expected && a.body?.is_fetching === false,
    { what: `message ${expected} of the healthy identity published` },
  );
}

async function appendToFaulty(): Promise<void> {
  const text = newMessage('faulty@example.org');
  await appendMessage(faulty, text);
  faultyMailbox.push(md5OfFetched(Buffer.from(text, 'utf8')));
}

/** Waits for the faulty identity to hold the whole mailbox, then checks each message once. */
async function expectWholeMailboxOnce(bad: string): Promise<void> {
  await waitFor(
    () => identity(bad),
    (a) =>
      a.body?.connected === true &&
      a.body?.is_fetching === false &&
      a.body?.messages_fetched === faultyMailbox.length,
    { what: 'the faulty identity recovered with the whole mailbox', timeoutMs: 90_000 },
  );
  const published = await readPublishedMail(system, bad);
  expect(published).toHaveLength(faultyMailbox.length);
  expect(new Set(published.map((m) => m.uid)).size).toBe(faultyMailbox.length);
  expect(published.map((m) => md5OfFetched(m.raw)).sort()).toEqual([...faultyMailbox].sort());
}

/** The healthy identity never lost its connection while the other one suffered. */
async function expectUndisturbed(good: string): Promise<void> {
  expect(await eventsOf(good, 'Disconnected')).toEqual([]);
  expect(await eventsOf(good, 'ConnectionFailed')).toEqual([]);
}

function millis(event: RemoteIdentityEvent): number {
  return Date.parse(event.occurred_at);
}

/** Try n + 1 waited between half and all of min(max, base * 2^(n-1)), plus its own work. */
function expectBackoff(failures: RemoteIdentityEvent[]): void {
  const { baseMs, maxMs } = IMAP.retry;
  for (let n = 1; n < failures.length; n++) {
    const ceiling = Math.min(maxMs, baseMs * 2 ** (n - 1));
    const gap = millis(failures[n]!) - millis(failures[n - 1]!);
    expect(gap, `wait before try ${n + 1}`).toBeGreaterThanOrEqual(ceiling / 2);
    expect(gap, `wait before try ${n + 1}`).toBeLessThan(ceiling + SLACK_MS);
  }
}

describe('an IMAP server that misbehaves', () => {
  it('closes a socket that stops answering mid-fetch, and resumes after it heals', async () => {
    const chaos = await startProxy('imap');
    chaos.faultInFetch({ after: FAULT_AT_FETCH, then: 'blackhole' });
    const { bad, good } = await createPair(chaos);

    const [lost] = await waitFor(
      () => eventsOf(bad, 'Disconnected'),
      (found) => found.length > 0,
      { what: 'the silent connection given up' },
    );
    expect(chaos.struckAt).toBeDefined();
    expect(millis(lost!) - chaos.struckAt!).toBeLessThan(IMAP.readTimeoutMs + SLACK_MS);
    const [failed] = await eventsOf(bad, 'FetchFailed');
    expect(failed?.data).toMatchObject({ code: 'CONNECTION_LOST' });
    await healthyStillPublishes(good, 1);

    await chaos.pass();
    await expectWholeMailboxOnce(bad);
    await healthyStillPublishes(good, 2);
    await expectUndisturbed(good);
  });

  it('publishes each message once when the server closes in the middle of a FETCH', async () => {
    const chaos = await startProxy('imap');
    chaos.faultInFetch({ after: FAULT_AT_FETCH, then: 'close' });
    const { bad, good } = await createPair(chaos);
    await waitFor(
      () => eventsOf(bad, 'FetchFailed'),
      (found) => found.length > 0,
      { what: 'the cut fetch reported' },
    );
    await healthyStillPublishes(good, 1);

    await expectWholeMailboxOnce(bad);
    expect(chaos.accepted).toBeGreaterThan(1);
    // What went out before the cut is not published again (above), nor counted twice. How
    // much went out depends on how far the session had read when the cut came: on a busy
    // machine it may not have reached its first batch, and the retry then fetches it all.
    const completed = (await eventsOf(bad, 'FetchCompleted')).at(-1)!;
    expect(completed.data.fetched).toBeGreaterThan(0);
    expect(completed.data.fetched).toBeLessThanOrEqual(faultyMailbox.length);
    expect(completed.data.total_fetched).toBe(faultyMailbox.length);
    await healthyStillPublishes(good, 2);
    await expectUndisturbed(good);
  });

  it('notices an IDLE that died without a word, and fetches new mail after healing', async () => {
    const chaos = await startProxy('imap');
    const { bad, good } = await createPair(chaos);
    await expectWholeMailboxOnce(bad);
    await waitFor(
      async () => chaos.seen('IDLE'),
      (n) => n > 0,
      { what: 'the session idling' },
    );
    const silentAt = Date.now();
    chaos.blackhole();

    const [lost] = await waitFor(
      () => eventsOf(bad, 'Disconnected'),
      (found) => found.length > 0,
      { what: 'the dead IDLE noticed' },
    );
    const bound = Math.min(IMAP.idleRestartMs, IMAP.readTimeoutMs) + IMAP.readTimeoutMs;
    expect(millis(lost!) - silentAt).toBeLessThan(bound + SLACK_MS);
    await healthyStillPublishes(good, 1);

    await chaos.pass();
    const reconnected = await waitFor(
      () => eventsOf(bad, 'Connected'),
      (found) => found.length >= 2,
      { what: 'connected again after healing' },
    );
    expect(millis(reconnected.at(-1)!)).toBeGreaterThan(millis(lost!));
    await appendToFaulty();
    await expectWholeMailboxOnce(bad);
    await healthyStillPublishes(good, 2);
    await expectUndisturbed(good);
  });

  it('connects again at once when the server closes every connection', async () => {
    const chaos = await startProxy('bytes');
    const { bad, good } = await createPair(chaos);
    await expectWholeMailboxOnce(bad);
    chaos.closeAll();
    await waitFor(
      () => eventsOf(bad, 'Connected'),
      (found) => found.length >= 2,
      { what: 'connected again' },
    );
    expect((await eventsOf(bad, 'Disconnected')).map((e) => e.data.reason)).toEqual(['lost']);
    await appendToFaulty();
    await expectWholeMailboxOnce(bad);
    await healthyStillPublishes(good, 1);
    await expectUndisturbed(good);
  });

  it('reports a mailbox that will not open as MAILBOX_UNAVAILABLE and retries it', async () => {
    const chaos = await startProxy('imap');
    chaos.failSelect('INBOX');
    const { bad, good } = await createPair(chaos);

    const failing = await waitFor(
      () => identity(bad),
      (a) => a.body?.last_error?.code === 'MAILBOX_UNAVAILABLE',
      { what: 'the reason in the read model' },
    );
    expect(failing.body.last_error.message).toContain('Mailbox is unavailable');
    expect(failing.body).toMatchObject({ messages_fetched: 0, connected: false });
    // Logging in works each time, yet it is no connection: the tries back off, and each one
    // counts towards the pause.
    const tries = await waitFor(
      () => eventsOf(bad, 'ConnectionFailed'),
      (found) => found.length >= 4,
      { what: 'the mailbox tried again' },
    );
    expect(tries.every((e) => e.data.code === 'MAILBOX_UNAVAILABLE')).toBe(true);
    expect((await eventsOf(bad, 'Connected')).length).toBe(0);
    expectBackoff(tries);
    await healthyStillPublishes(good, 1);

    await chaos.pass();
    await expectWholeMailboxOnce(bad);
    expect((await identity(bad)).body.last_error).toBeNull();
    await healthyStillPublishes(good, 2);
    await expectUndisturbed(good);
  });

  it('backs off while the connection is refused, and connects once it is accepted', async () => {
    const chaos = await startProxy('bytes');
    await chaos.refuse();
    const { bad, good } = await createPair(chaos);

    const refusals = await waitFor(
      () => eventsOf(bad, 'ConnectionFailed'),
      (found) => found.length >= 5,
      { what: 'five refused connections' },
    );
    expect(refusals.every((e) => e.data.code === 'CONNECTION_REFUSED')).toBe(true);
    expectBackoff(refusals);
    expect((await identity(bad)).body.last_error.user_action).toBe('none');
    await healthyStillPublishes(good, 1);

    await chaos.pass();
    await expectWholeMailboxOnce(bad);
    await healthyStillPublishes(good, 2);
    await expectUndisturbed(good);
  });

  it('stops a slow fetch within a second of the cancel, and resumes where it stopped', async () => {
    const chaos = await startProxy('bytes');
    // About 1 MB at 100 kB/s: the fetch runs for seconds, one chunk of 150 messages.
    chaos.throttle(100_000);
    const { bad, good } = await createPair(chaos);
    await waitFor(
      async () => (await readPublishedMail(system, bad)).length,
      (n) => n > 0,
      { what: 'a first batch published', timeoutMs: 30_000 },
    );
    const cancel = await system.call(owners.get(bad)!, 'PATCH', `/v1/remote-identities/${bad}`, {
      cancel_fetch_required: true,
    });
    expect(cancel.status).toBe(200);
    const [ack] = await waitFor(
      () => eventsOf(bad, 'FetchCancelAcknowledged'),
      (found) => found.length > 0,
      { what: 'the cancel acknowledged' },
    );
    const [cancelled] = await eventsOf(bad, 'FetchCancelled');
    expect(millis(ack!) - millis(cancelled!)).toBeLessThan(1000);
    const stoppedAt = (await readPublishedMail(system, bad)).length;
    expect(stoppedAt).toBeLessThan(faultyMailbox.length);
    const settled = await identity(bad);
    expect(settled.body).toMatchObject({ is_fetching: false, cancel_fetch_required: false });

    // Asked for again, it goes on from its checkpoint: nothing twice, nothing lost.
    await chaos.pass();
    await requireConnection(system, owners.get(bad)!, bad, true);
    await expectWholeMailboxOnce(bad);
    await healthyStillPublishes(good, 1);
    await expectUndisturbed(good);
  });
});
