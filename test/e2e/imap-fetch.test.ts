import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { appendMessage, fillMaildir } from '../support/maildir.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import {
  readPublishedMail,
  startTestSystem,
  waitFor,
  type ApiAnswer,
  type TestSystem,
} from '../support/system.ts';

const USER = 'user-e2e';
let dovecot: DovecotServer;
let system: TestSystem;
let dataset: DatasetMessage[];

beforeAll(async () => {
  dataset = loadGroup('hard-ham-1');
  dovecot = await startDovecot();
  await fillMaildir(dovecot, dataset);
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

function imapParams(overrides: Record<string, unknown> = {}) {
  return {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: dovecot.host,
    mail_port: dovecot.imapPort,
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

function identity(id: string): Promise<ApiAnswer> {
  return readIdentity(system, owners.get(id) ?? USER, id);
}

function patch(id: string, body: unknown): Promise<ApiAnswer> {
  return system.call(owners.get(id) ?? USER, 'PATCH', `/v1/remote-identities/${id}`, body);
}

describe('an IMAP remote identity, end to end', () => {
  it('connects, fetches every message once and matches the dataset checksums', async () => {
    const id = await createIdentity(imapParams());
    const done = await waitFor(
      () => identity(id),
      (a) =>
        a.body?.connected === true &&
        a.body?.is_fetching === false &&
        a.body?.messages_fetched === dataset.length,
      { what: 'the whole mailbox fetched', timeoutMs: 120_000 },
    );
    expect(done.body.last_connection).toMatch(/^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:\d\d)$/);
    expect(done.body.params.password).toBeUndefined();

    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(dataset.length);
    const expected = new Map(dataset.map((m) => [m.md5, 0]));
    for (const mail of published) {
      const md5 = md5OfFetched(mail.raw);
      expect(expected.has(md5), `published message uid ${mail.uid} is not in the dataset`).toBe(
        true,
      );
      expected.set(md5, (expected.get(md5) ?? 0) + 1);
    }
    expect([...expected.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(published.map((m) => m.uid)).size).toBe(dataset.length);

    const list = await system.call(owners.get(id)!, 'GET', '/v1/remote-identities');
    expect(list.body.total).toBe(1);
    expect(list.body.remote_identities.map((r: any) => r.remote_identity_id)).toContain(id);
  });

  it('reports a wrong password as not connected with an AUTH_FAILED last_error', async () => {
    const id = await createIdentity(imapParams({ password: 'not-the-password-marker' }));
    const failed = await waitFor(
      () => identity(id),
      (a) => a.body?.last_error !== null && a.body?.last_error !== undefined,
      { what: 'a last_error' },
    );
    expect(failed.body.connected).toBe(false);
    expect(failed.body.is_fetching).toBe(false);
    expect(failed.body.last_error.code).toBe('AUTH_FAILED');
    expect(failed.body.last_error.user_action).toBe('relogin');
    expect(failed.body.last_error.at).toBeTruthy();
    expect(system.logs()).not.toContain('not-the-password-marker');
    expect(system.logs()).not.toContain(dovecot.password);

    // The user mends the password: the connector tries again with it.
    const mended = await patch(id, {
      params: { password: dovecot.password, fetch_method: 'from_now' },
    });
    expect(mended.status, JSON.stringify(mended.body)).toBe(200);
    const connected = await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true,
      { what: 'connected after the new password' },
    );
    expect(connected.body.last_error).toBeNull();
    expect(system.logs()).not.toContain(dovecot.password);
  });

  it('fetches with from_now only the mail that arrives after the connection', async () => {
    const id = await createIdentity(imapParams({ fetch_method: 'from_now' }));
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true && a.body?.is_fetching === false,
      { what: 'connected and idle' },
    );
    expect((await identity(id)).body.messages_fetched).toBe(0);

    const newcomer = dataset[0]!.text.replace(/^Subject: .*$/m, 'Subject: arrived after connect');
    await appendMessage(dovecot, newcomer);
    const after = await waitFor(
      () => identity(id),
      (a) => a.body?.messages_fetched === 1 && a.body?.is_fetching === false,
      { what: 'the new message fetched' },
    );
    expect(after.body.connected).toBe(true);
    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(1);
    expect(Buffer.from(published[0]!.raw).toString('utf8')).toContain(
      'Subject: arrived after connect',
    );
  });

  it('fetches with since: only what arrived since that day, then new mail', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const id = await createIdentity(imapParams({ fetch_method: `since:${tomorrow}` }));
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true && a.body?.is_fetching === false,
      { what: 'connected and idle' },
    );
    expect((await identity(id)).body.messages_fetched).toBe(0);
    expect((await identity(id)).body.params.fetch_method).toBe(`since:${tomorrow}`);

    await appendMessage(dovecot, dataset[1]!.text);
    await waitFor(
      () => identity(id),
      (a) => a.body?.messages_fetched === 1 && a.body?.is_fetching === false,
      { what: 'the new message fetched' },
    );
    expect(await readPublishedMail(system, id)).toHaveLength(1);
  });

  it('publishes a message over the NATS payload limit through the object store', async () => {
    const id = await createIdentity(imapParams({ fetch_method: 'from_now' }));
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true && a.body?.is_fetching === false,
      { what: 'connected and idle' },
    );
    const line = 'x'.repeat(76);
    const body = Array.from({ length: 40_000 }, () => line).join('\n');
    const big = `From: big@example.org\nTo: alice@example.org\nSubject: big one\n\n${body}\n`;
    await appendMessage(dovecot, big);
    await waitFor(
      () => identity(id),
      (a) => a.body?.messages_fetched === 1 && a.body?.is_fetching === false,
      { what: 'the big message fetched' },
    );
    const [mail] = await readPublishedMail(system, id);
    expect(mail?.fromBlob).toBe(true);
    expect(mail?.raw.length).toBeGreaterThan(3_000_000);
    expect(Buffer.from(mail!.raw).toString('utf8').replaceAll('\r\n', '\n')).toBe(big);
  });

  it('acknowledges a cancel so that cancel_fetch_required returns to false', async () => {
    const id = await createIdentity(imapParams({ fetch_method: 'from_now' }));
    await waitFor(
      () => identity(id),
      (a) => a.body?.connected === true,
      { what: 'connected' },
    );
    const cancel = await patch(id, { cancel_fetch_required: true });
    expect(cancel.status).toBe(200);
    const seen = await system.call(
      owners.get(id)!,
      'GET',
      `/v1/remote-identities/${id}?min_sequence=${cancel.body.sequence}`,
    );
    expect(seen.status).toBe(200);
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

  it('reports an untrusted certificate after STARTTLS as TLS_FAILED, not retried', async () => {
    const stranger = await startDovecot();
    try {
      const id = await createIdentity(
        imapParams({ mail_port: stranger.imapPort, password: stranger.password }),
      );
      const failed = await waitFor(
        () => identity(id),
        (a) => a.body?.last_error !== null && a.body?.last_error !== undefined,
        { what: 'the failure reported' },
      );
      expect(failed.body.last_error).toMatchObject({
        code: 'TLS_FAILED',
        user_action: 'check_settings',
      });
      // A certificate does not mend itself: no retry follows.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const failures = (await system.events(id)).filter((e) => e.type === 'ConnectionFailed');
      expect(failures).toHaveLength(1);
    } finally {
      await stranger.stop();
    }
  });
});
