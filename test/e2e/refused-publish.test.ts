import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import { fillMaildir, warmMailbox } from '../support/maildir.ts';
import { readPublishedMail, startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

const USER = 'user-refused';
/** Where the mail stream stops taking messages: past the window of publications in flight. */
const CAP = 400;
let dataset: DatasetMessage[];
let dovecot: DovecotServer;
let system: TestSystem;

beforeAll(async () => {
  dataset = loadGroup('easy-ham-1');
  dovecot = await startDovecot();
  await fillMaildir(dovecot, dataset);
  await warmMailbox(dovecot);
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

/** Makes the mail stream refuse new messages beyond `maxMessages`, or take all again (-1). */
async function capMailStream(maxMessages: number): Promise<void> {
  const jsm = await jetstreamManager(system.nc);
  const { config } = await jsm.streams.info(system.topology.mailStream);
  await jsm.streams.update(config.name, {
    ...config,
    max_msgs: maxMessages,
    discard: maxMessages < 0 ? DiscardPolicy.Old : DiscardPolicy.New,
  });
}

describe('a mail stream that refuses publications for a while', () => {
  it('fails the fetch, retries on a new connection and publishes each message once', async () => {
    await capMailStream(CAP);
    const id = await createConnectedIdentity(system, USER, {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_beginning',
    });

    // 1. The stream refuses the message after the cap: the fetch fails in mid-mailbox.
    await waitFor(
      () => system.events(id),
      (events) => events.some((e) => e.type === 'FetchFailed'),
      { what: 'a failed fetch' },
    );
    await capMailStream(-1);

    // 2. The session closed its connection; the connector's retry connects again and
    // publishes the rest from the checkpoint.
    const done = await waitFor(
      () => readIdentity(system, USER, id),
      (a) => a.body?.is_fetching === false && a.body?.messages_fetched === dataset.length,
      { what: 'the whole mailbox fetched after the retry' },
    );
    expect(done.body.connected).toBe(true);
    const types = (await system.events(id)).map((e) => e.type);
    expect(types.filter((t) => t === 'Connected').length).toBeGreaterThanOrEqual(2);
    expect(types).toContain('Disconnected');

    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(dataset.length);
    const expected = new Set(dataset.map((m) => m.md5));
    const seen = new Set(published.map((m) => md5OfFetched(m.raw)));
    expect(seen.size).toBe(dataset.length);
    for (const md5 of seen) expect(expected.has(md5)).toBe(true);
  });
});
