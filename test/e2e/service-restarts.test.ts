import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import {
  createConnectedIdentity,
  readIdentity,
  requireConnection,
} from '../support/identity-api.ts';
import { appendMessage, fillMaildir, warmMailbox } from '../support/maildir.ts';
import { startNatsServer, type PrivateNatsServer } from '../support/nats-server.ts';
import { readPublishedMail, startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

const USER = 'user-restarts';
/** Long enough for publications in flight to fail rather than wait for the server. */
const NATS_DOWN_MS = 3000;
let dataset: DatasetMessage[];
let dovecot: DovecotServer;
let nats: PrivateNatsServer;
let system: TestSystem;

beforeAll(async () => {
  dataset = loadGroup('easy-ham-1');
  [dovecot, nats] = await Promise.all([startDovecot(), startNatsServer()]);
  await fillMaildir(dovecot, dataset);
  await warmMailbox(dovecot);
  system = await startTestSystem({ caFiles: [dovecot.caCertFile], natsUrl: nats.url });
});

afterAll(async () => {
  await system?.stop();
  await nats?.stop();
  await dovecot?.stop();
});

async function publishedCount(): Promise<number> {
  // Asked while NATS may be down: a failed look-up counts as nothing published yet.
  const jsm = await jetstreamManager(system.nc, { checkAPI: false });
  const info = await jsm.streams.info(system.topology.mailStream).catch(() => undefined);
  return info?.state.messages ?? 0;
}

describe('NATS restarted while the connector fetches', () => {
  it('publishes every message exactly once, then follows new mail again', async () => {
    const id = await createConnectedIdentity(system, USER, {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_beginning',
    });

    // 1. Restart NATS once part of the mailbox is out, well before the end.
    await waitFor(publishedCount, (n) => n >= 300, { intervalMs: 5, what: 'some mail out' });
    await nats.restart(() => sleep(NATS_DOWN_MS));
    const atRestart = await publishedCount();
    expect(atRestart).toBeLessThan(dataset.length);

    // 2. The connector resumes by itself and publishes the rest, nothing twice.
    const done = await waitFor(
      () => readIdentity(system, USER, id),
      (a) => a.body?.is_fetching === false && a.body?.messages_fetched === dataset.length,
      { what: 'the whole mailbox fetched after the restart', timeoutMs: 180_000 },
    );
    expect(done.body.connected).toBe(true);
    const published = await readPublishedMail(system, id);
    expect(published).toHaveLength(dataset.length);
    expect(new Set(published.map((m) => m.uid)).size).toBe(dataset.length);
    const expected = new Set(dataset.map((m) => m.md5));
    const seen = new Set(published.map((m) => md5OfFetched(m.raw)));
    expect(seen.size).toBe(dataset.length);
    for (const md5 of seen) expect(expected.has(md5)).toBe(true);

    // 3. IDLE goes on: a message that arrives now is published.
    const text = dataset[0]!.text.replace(/^Subject: .*$/m, 'Subject: after the NATS restart');
    await appendMessage(dovecot, text);
    const after = await waitFor(
      () => readIdentity(system, USER, id),
      (a) => a.body?.messages_fetched === dataset.length + 1 && a.body?.is_fetching === false,
      { what: 'the new message fetched' },
    );
    expect(after.body.connected).toBe(true);
    const last = (await readPublishedMail(system, id)).at(-1);
    expect(Buffer.from(last!.raw).toString('utf8')).toContain('Subject: after the NATS restart');

    // 4. The connector still follows requests: its durable consumer survived the restart.
    await requireConnection(system, USER, id, false);
    await waitFor(
      () => readIdentity(system, USER, id),
      (a) => a.body?.connected === false,
      { what: 'disconnected on request' },
    );
  });
});
