import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EventLog } from '@ri/event-store';
import { evolveRow, type RemoteIdentityRow } from '@ri/projection';
import { readPosition } from '@ri/read-model';
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
import { startPostgresServer, type PrivatePostgresServer } from '../support/postgres-server.ts';
import { readPublishedMail, startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

const USER = 'user-restarts';
/** How long NATS stays away: publications in flight then time out rather than merely wait. */
const NATS_DOWN_MS = 3000;
let dataset: DatasetMessage[];
let dovecot: DovecotServer;
let nats: PrivateNatsServer;
let postgres: PrivatePostgresServer;
let system: TestSystem;
const identities: string[] = [];

beforeAll(async () => {
  dataset = loadGroup('easy-ham-1');
  [dovecot, nats, postgres] = await Promise.all([
    startDovecot(),
    startNatsServer(),
    startPostgresServer(),
  ]);
  await fillMaildir(dovecot, dataset);
  await warmMailbox(dovecot);
  system = await startTestSystem({
    caFiles: [dovecot.caCertFile],
    natsUrl: nats.url,
    databaseUrl: postgres.url,
  });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([nats?.stop(), postgres?.stop(), dovecot?.stop()]);
});

function imapParams(fetchMethod: string) {
  return {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: dovecot.host,
    mail_port: dovecot.imapPort,
    fetch_method: fetchMethod,
  };
}

async function publishedCount(): Promise<number> {
  // Asked while NATS may be down: a failed look-up counts as nothing published yet.
  const jsm = await jetstreamManager(system.nc, { checkAPI: false });
  const info = await jsm.streams.info(system.topology.mailStream).catch(() => undefined);
  return info?.state.messages ?? 0;
}

describe('NATS restarted while the connector fetches', () => {
  it('publishes every message exactly once, then follows new mail again', async () => {
    const id = await createConnectedIdentity(system, USER, imapParams('from_beginning'));
    identities.push(id);

    // 1. Restart NATS once part of the mailbox is out, well before the end.
    await waitFor(publishedCount, (n) => n >= 300, { intervalMs: 5, what: 'some mail out' });
    expect(await publishedCount()).toBeLessThan(dataset.length);
    await nats.restart(() => sleep(NATS_DOWN_MS));

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

describe('PostgreSQL restarted while the system runs', () => {
  const user = `${USER}-pg`;

  it('answers reads with 503 meanwhile, then catches up with nothing lost', async () => {
    const id = await createConnectedIdentity(system, user, imapParams('from_now'));
    identities.push(id);
    await waitFor(
      () => readIdentity(system, user, id),
      (a) => a.body?.connected === true && a.body?.is_fetching === false,
      { what: 'connected and idle' },
    );
    const arriving = 5;

    await postgres.restart(async () => {
      // 1. Reads say "try again" in problem+json, not a 500 with a stack.
      for (const path of [`/v1/remote-identities/${id}`, '/v1/remote-identities']) {
        const answer = await system.call(user, 'GET', path);
        expect(answer.status, JSON.stringify(answer.body)).toBe(503);
        expect(answer.headers.get('content-type')).toBe('application/problem+json');
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(answer.body).toMatchObject({ status: 503, code: 'READ_MODEL_UNAVAILABLE' });
        expect(JSON.stringify(answer.body)).not.toMatch(/ at |ECONNREFUSED|127\.0\.0\.1/);
      }
      // 2. Events go on flowing into the log: mail arrives and the connector fetches it.
      for (let i = 0; i < arriving; i++) {
        await appendMessage(dovecot, dataset[i]!.text.replace(/^Subject: .*$/m, `Subject: ${i}`));
      }
      await waitFor(
        () => system.events(id),
        (events) =>
          events.some((e) => e.type === 'FetchCompleted' && e.data.total_fetched === arriving),
        { what: 'the new mail fetched while PostgreSQL is down' },
      );
    });

    // 3. The API recovers by itself and shows what happened meanwhile.
    const after = await waitFor(
      () => readIdentity(system, user, id),
      (a) => a.status === 200 && a.body.messages_fetched === arriving,
      { what: 'the read model caught up' },
    );
    expect(after.body.is_fetching).toBe(false);

    // 4. The projection reaches the end of the log, and its rows equal a fold of the log.
    const jsm = await jetstreamManager(system.nc);
    const last = (await jsm.streams.info(system.topology.identityStream)).state.last_seq;
    await waitFor(
      () => readPosition(system.database.db, 'remote-identities'),
      (position) => position >= last,
      { what: 'the projection at the end of the log' },
    );
    const log = new EventLog(jetstream(system.nc), jsm, system.topology);
    for (const identity of identities) {
      let folded: RemoteIdentityRow | undefined;
      for (const { event, sequence } of await log.read(identity)) {
        folded = evolveRow(folded, event, sequence);
      }
      const row = await system.database.db
        .selectFrom('remote_identities')
        .selectAll()
        .where('remote_identity_id', '=', identity)
        .executeTakeFirst();
      expect(row).toEqual(folded);
    }
  });
});
