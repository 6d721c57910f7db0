import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, streamConfigs } from '@ri/event-store';
import { topology } from '@ri/events';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildSystem } from '../support/child-system.ts';
import { loadGroup, md5OfFetched } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { fillMaildir, warmMailbox } from '../support/maildir.ts';
import {
  createEmailSubObject,
  deleteNamespace,
  readPublishedMail,
  waitFor,
} from '../support/system.ts';

const USER = 'user-crash';
const dataset = loadGroup('easy-ham-1');
const namespace = `c${randomBytes(5).toString('hex')}`;
const names = topology(namespace);
/**
 * The mail stream's memory of message ids, made short: a restart then comes after the stream
 * forgot what was published before the kill, as after an outage longer than the default hour,
 * so that only the connector's own reading of the stream can keep a message from going twice.
 */
const DUPLICATE_WINDOW_MS = 200;
let dovecot: DovecotServer;
let database: TestDatabase;
let nc: NatsConnection;
let system: ChildSystem;

beforeAll(async () => {
  dovecot = await startDovecot();
  await fillMaildir(dovecot, dataset);
  await warmMailbox(dovecot);
  database = await createTestDatabase({ migrate: false });
  nc = await connectNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'e2e' });
  // Created before the system starts, which leaves an existing stream as it finds it.
  const mail = streamConfigs({ topology: names, mailDuplicateWindowMs: DUPLICATE_WINDOW_MS }).find(
    (config) => config.name === names.mailStream,
  )!;
  await (await jetstreamManager(nc)).streams.add(mail);
  system = new ChildSystem({ namespace, databaseUrl: database.url, caFile: dovecot.caCertFile });
});

afterAll(async () => {
  await system?.kill();
  await database?.drop();
  if (nc) {
    await deleteNamespace(nc, namespace);
    await nc.close();
  }
  await dovecot?.stop();
});

async function publishedCount(): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(names.mailStream).catch(() => undefined);
  return info?.state.messages ?? 0;
}

describe('a system killed in the middle of a fetch', () => {
  it('publishes every message exactly once, even after the stream forgot its ids', async () => {
    await system.start();
    const created = await system.call(USER, 'POST', '/v1/remote-identities', {
      identity_type: 'email',
      identity_id: await createEmailSubObject(system, USER),
      params: {
        login: dovecot.user,
        password: dovecot.password,
        mail_protocol: 'IMAP',
        incomming_mail_server: dovecot.host,
        mail_port: dovecot.imapPort,
        fetch_method: 'from_beginning',
      },
      connection_required: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.remote_identity_id as string;

    // 1. Kill it once a part of the mailbox is out, but well before the end.
    await waitFor(publishedCount, (n) => n >= 300, { intervalMs: 5, what: 'some mail out' });
    await system.kill();
    const before = await publishedCount();
    expect(before).toBeLessThan(dataset.length);
    await new Promise((resolve) => setTimeout(resolve, 2 * DUPLICATE_WINDOW_MS));

    // 2. Start it again: it resumes from its checkpoint and republishes nothing twice.
    await system.start();
    const done = await waitFor(
      () => system.call(USER, 'GET', `/v1/remote-identities/${id}`),
      (a) => a.body?.is_fetching === false && a.body?.messages_fetched === dataset.length,
      { what: 'the whole mailbox fetched after the restart', timeoutMs: 180_000 },
    );
    expect(done.body.connected).toBe(true);

    const published = await readPublishedMail({ nc, topology: names }, id);
    expect(published).toHaveLength(dataset.length);
    expect(new Set(published.map((m) => m.uid)).size).toBe(dataset.length);
    const expected = new Set(dataset.map((m) => m.md5));
    const seen = new Set(published.map((m) => md5OfFetched(m.raw)));
    expect(seen.size).toBe(dataset.length);
    for (const md5 of seen) expect(expected.has(md5)).toBe(true);
  });
});
