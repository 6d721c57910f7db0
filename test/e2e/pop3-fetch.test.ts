import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import {
  createConnectedIdentity,
  readIdentity,
  requireConnection,
} from '../support/identity-api.ts';
import { appendMessage, fillMaildir } from '../support/maildir.ts';
import {
  readPublishedMail,
  startTestSystem,
  waitFor,
  type ApiAnswer,
  type TestSystem,
} from '../support/system.ts';

const USER = 'user-e2e-pop3';
/** Short, so that the test of new mail waits for a poll without waiting long. */
const POLL_MS = 500;
let dovecot: DovecotServer;
let system: TestSystem;
let dataset: DatasetMessage[];

beforeAll(async () => {
  dataset = loadGroup('hard-ham-1');
  dovecot = await startDovecot();
  await fillMaildir(dovecot, dataset);
  system = await startTestSystem({ caFiles: [dovecot.caCertFile], pop3PollMs: POLL_MS });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

/** POP3 on Dovecot's plain port, where the connector must upgrade with STLS. */
function pop3Params(overrides: Record<string, unknown> = {}) {
  return {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'POP3',
    incomming_mail_server: dovecot.host,
    mail_port: dovecot.pop3Port,
    fetch_method: 'from_beginning',
    ...overrides,
  };
}

// A user of its own per identity: one user may register a login on a server only once.
const owners = new Map<string, string>();

async function createIdentity(params: Record<string, unknown>): Promise<string> {
  const user = `${USER}-${owners.size + 1}`;
  const id = await createConnectedIdentity(system, user, params);
  owners.set(id, user);
  return id;
}

function ownerOf(id: string): string {
  return owners.get(id) ?? USER;
}

function identity(id: string): Promise<ApiAnswer> {
  return readIdentity(system, ownerOf(id), id);
}

/** Polls that ended since the identity's latest ConnectionRequested. */
async function pollsSinceLastRequest(id: string) {
  const events = await system.events(id);
  const since = events.findLastIndex((e) => e.type === 'ConnectionRequested');
  return events.slice(since).filter((e) => e.type === 'FetchCompleted');
}

function maildirFiles(): number {
  const dirs = ['cur', 'new'].map((d) => join(dovecot.maildir, d));
  return dirs.reduce((n, dir) => n + readdirSync(dir).length, 0);
}

describe('a POP3 remote identity, end to end', () => {
  let fetchedId = '';

  it('fetches every message once over STLS and leaves them on the server', async () => {
    const started = performance.now();
    const id = await createIdentity(pop3Params());
    fetchedId = id;
    const done = await waitFor(
      () => identity(id),
      (a) =>
        a.body?.connected === true &&
        a.body?.is_fetching === false &&
        a.body?.messages_fetched === dataset.length,
      { what: 'the whole maildrop fetched', timeoutMs: 120_000 },
    );
    const elapsedMs = Math.round(performance.now() - started);
    expect(done.body.last_error).toBeNull();
    expect(elapsedMs).toBeGreaterThan(0);

    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(dataset.length);
    const expected = new Map(dataset.map((m) => [m.md5, 0]));
    for (const mail of published) {
      const md5 = md5OfFetched(mail.raw);
      expect(expected.has(md5), `published message ${mail.uid} is not in the dataset`).toBe(true);
      expected.set(md5, (expected.get(md5) ?? 0) + 1);
      expect(mail.uidValidity).toBe('pop3');
      expect(mail.mailbox).toBe('INBOX');
    }
    expect([...expected.values()].every((n) => n === 1)).toBe(true);
    expect(maildirFiles()).toBe(dataset.length);

    const completed = (await system.events(id)).filter((e) => e.type === 'FetchCompleted');
    expect(completed[0]?.data).toMatchObject({ fetched: dataset.length, last_uid: 250 });
  });

  it('publishes nothing again when the connection is asked for anew', async () => {
    const id = fetchedId;
    await requireConnection(system, ownerOf(id), id, false);
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === false,
      { what: 'disconnected' },
    );
    await requireConnection(system, ownerOf(id), id, true);
    await waitFor(
      () => pollsSinceLastRequest(id),
      (polls) => polls.length >= 2,
      { what: 'two polls after the new connection' },
    );
    const after = await identity(id);
    expect(after.body.connected).toBe(true);
    expect(after.body.messages_fetched).toBe(dataset.length);
    const polls = await pollsSinceLastRequest(id);
    expect(polls.every((e) => (e.data as { fetched: number }).fetched === 0)).toBe(true);
    expect(await readPublishedMail(system, id)).toHaveLength(dataset.length);
  });

  it('reports a wrong password as not connected with an AUTH_FAILED last_error', async () => {
    const id = await createIdentity(pop3Params({ password: 'not-the-pop3-password-marker' }));
    const failed = await waitFor(
      () => identity(id),
      (a) => a.body?.last_error !== null && a.body?.last_error !== undefined,
      { what: 'a last_error' },
    );
    expect(failed.body.connected).toBe(false);
    expect(failed.body.is_fetching).toBe(false);
    expect(failed.body.last_error.code).toBe('AUTH_FAILED');
    expect(system.logs()).not.toContain('not-the-pop3-password-marker');
    expect(system.logs()).not.toContain(dovecot.password);
  });

  it('fetches with from_now only the mail that arrives after the connection', async () => {
    const id = await createIdentity(pop3Params({ fetch_method: 'from_now' }));
    await waitFor(
      () => pollsSinceLastRequest(id),
      (polls) => polls.length >= 1,
      { what: 'the first poll' },
    );
    expect((await identity(id)).body.messages_fetched).toBe(0);

    const newcomer = dataset[0]!.text.replace(/^Subject: .*$/m, 'Subject: arrived by POP3');
    await appendMessage(dovecot, newcomer);
    const after = await waitFor(
      () => identity(id),
      (a) => a.body?.messages_fetched === 1 && a.body?.is_fetching === false,
      { what: 'the new message fetched by a poll' },
    );
    expect(after.body.connected).toBe(true);
    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(1);
    expect(Buffer.from(published[0]!.raw).toString('utf8')).toContain('Subject: arrived by POP3');
  });

  it('acknowledges a cancel so that cancel_fetch_required returns to false', async () => {
    const id = await createIdentity(pop3Params({ fetch_method: 'from_now' }));
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true,
      { what: 'connected' },
    );
    const cancel = await system.call(ownerOf(id), 'PATCH', `/v1/remote-identities/${id}`, {
      cancel_fetch_required: true,
    });
    expect(cancel.status).toBe(200);
    const settled = await waitFor(
      () => identity(id),
      (a) => a.body?.cancel_fetch_required === false && a.body?.is_fetching === false,
      { what: 'the cancel acknowledged' },
    );
    expect(settled.body.connected).toBe(true);
    const types = (await system.events(id)).map((e) => e.type);
    expect(types.indexOf('FetchCancelAcknowledged')).toBeGreaterThan(
      types.indexOf('FetchCancelled'),
    );
  });
});
