import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, openJetStream, type JetStreamContext } from '@ri/event-store';
import { newContactEvent, topology, type RemoteIdentityEvent } from '@ri/events';
import { createLogger } from '@ri/logging';
import { readPosition, type ReadModelDb } from '@ri/read-model';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProjection, type Projection } from './projection.ts';
import { CREATED, fetchCompleted, fetchStarted, identityEvents } from './test-events.ts';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
// Streams of this file's own, so that what it appends, purges and reads touches no other run.
const TOPOLOGY = topology(`projection-test-${randomBytes(4).toString('hex')}`);

let database: TestDatabase;
let db: ReadModelDb;
let nats: JetStreamContext;
let logLines: { level: number; msg: string; sequence?: number }[] = [];
const running: Projection[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const nc = await connectNats({ url: NATS_URL, name: 'projection-test' });
  nats = await openJetStream(nc, { topology: TOPOLOGY });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
  logLines = [];
});

afterAll(async () => {
  await nats?.jsm.streams.delete(TOPOLOGY.identityStream);
  await nats?.jsm.streams.delete(TOPOLOGY.mailStream);
  await nats?.nc.drain();
  await database?.drop();
});

async function start(): Promise<Projection> {
  const logger = createLogger({
    name: 'projection-test',
    level: 'debug',
    destination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
  });
  const projection = await startProjection({ js: nats.js, db, logger, topology: TOPOLOGY });
  running.push(projection);
  return projection;
}

async function stop(projection: Projection): Promise<void> {
  running.splice(running.indexOf(projection), 1);
  await projection.stop();
}

async function append(...events: RemoteIdentityEvent[]): Promise<number> {
  let sequence = 0;
  for (const event of events) sequence = (await nats.log.append(event)).sequence;
  return sequence;
}

/** Polls until `condition` holds; a fixed sleep would be either flaky or slow. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  // A query may land on a pooled connection that the server has just ended (the test that
  // cuts connections does that on purpose): such a failure only means "not yet".
  while (
    !(await Promise.resolve()
      .then(condition)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function projectedUpTo(sequence: number): Promise<void> {
  await waitFor(
    async () => (await readPosition(db, 'remote-identities')) >= sequence,
    `checkpoint ${sequence}`,
  );
}

function rowOf(remoteIdentityId: string) {
  return db
    .selectFrom('remote_identities')
    .selectAll()
    .where('remote_identity_id', '=', remoteIdentityId)
    .executeTakeFirst();
}

describe('startProjection', () => {
  it('keeps an identity row in step with the life of the identity, then removes it', async () => {
    await start();
    const alice = identityEvents();
    const created = alice.event('RemoteIdentityCreated', CREATED);
    const createdAt = await append(created);
    await projectedUpTo(createdAt);
    expect(await rowOf(alice.remoteIdentityId)).toMatchObject({
      user_id: alice.userId,
      identity_type: 'email',
      identity_id: 'alice@example.org',
      provider: null,
      params: CREATED.params,
      connection_required: false,
      connected: false,
      messages_fetched: 0,
      created_at: new Date(created.occurred_at),
      last_sequence: createdAt,
    });

    const connected = alice.event('Connected', {
      connector: 'imap-1',
      server: 'imap.example.org',
      port: 993,
    });
    const failed = alice.event('FetchFailed', {
      fetch_id: fetchStarted().fetch_id,
      mailbox: 'INBOX',
      fetched: 3,
      code: 'SERVER_ERROR',
      message: 'BYE',
    });
    const last = await append(
      alice.event('ConnectionRequested', {}),
      connected,
      alice.event('FetchStarted', fetchStarted()),
      alice.event('FetchCompleted', fetchCompleted(40)),
      alice.event('FetchStarted', fetchStarted()),
      failed,
    );
    await projectedUpTo(last);
    expect(await rowOf(alice.remoteIdentityId)).toMatchObject({
      connection_required: true,
      cancel_fetch_required: false,
      connected: true,
      is_fetching: false,
      last_connection: new Date(connected.occurred_at),
      last_error: { code: 'SERVER_ERROR', message: 'BYE', at: failed.occurred_at },
      messages_fetched: 43,
      created_at: new Date(created.occurred_at),
      updated_at: new Date(failed.occurred_at),
      last_sequence: last,
    });

    const deleted = await append(alice.event('RemoteIdentityDeleted', {}));
    await projectedUpTo(deleted);
    expect(await rowOf(alice.remoteIdentityId)).toBeUndefined();
  });

  it('stores a pause in PostgreSQL and clears it when the user asks again', async () => {
    await start();
    const carol = identityEvents();
    const paused = carol.event('ConnectionPaused', {
      connector: 'imap',
      failing_since: '2025-02-26T08:00:00.000Z',
      code: 'TIMEOUT',
      message: 'no greeting',
      user_action: 'check_settings',
    });
    await projectedUpTo(
      await append(
        carol.event('RemoteIdentityCreated', CREATED),
        carol.event('ConnectionRequested', {}),
        carol.event('ConnectionFailed', { connector: 'imap', code: 'TIMEOUT', message: 'slow' }),
        paused,
      ),
    );
    expect((await rowOf(carol.remoteIdentityId))?.paused_since).toEqual(
      new Date(paused.occurred_at),
    );
    await projectedUpTo(await append(carol.event('ConnectionRequested', {})));
    expect(await rowOf(carol.remoteIdentityId)).toMatchObject({
      paused_since: null,
      connection_required: true,
    });
  });

  it('neither applies again nor skips an event when stopped and started again', async () => {
    const bob = identityEvents();
    await append(bob.event('RemoteIdentityCreated', CREATED));
    let expected = 0;
    const completions: RemoteIdentityEvent[] = [];
    for (let i = 1; i <= 600; i += 1) {
      completions.push(bob.event('FetchCompleted', fetchCompleted(i)));
      expected += i;
    }
    const published = await append(...completions);

    // Stopped after its first batch, with at least two more to go and one maybe half read.
    const first = await start();
    const startedAt = first.position();
    await waitFor(() => first.position() > startedAt, 'some progress', 0);
    await stop(first);
    const stoppedAt = await readPosition(db, 'remote-identities');
    expect(first.position()).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(published);

    const more = [bob.event('FetchCompleted', fetchCompleted(1000))];
    const last = await append(...more);
    const second = await start();
    expect(second.position()).toBe(stoppedAt);
    await projectedUpTo(last);
    expect(last).toBeGreaterThan(published);
    expect(await rowOf(bob.remoteIdentityId)).toMatchObject({
      messages_fetched: expected + 1000,
      last_sequence: last,
    });
  });

  it('applies each event once when two instances share the checkpoint', async () => {
    await Promise.all([start(), start()]);
    const carol = identityEvents();
    const events: RemoteIdentityEvent[] = [carol.event('RemoteIdentityCreated', CREATED)];
    for (let i = 0; i < 150; i += 1) events.push(carol.event('FetchCompleted', fetchCompleted(1)));
    const last = await append(...events);
    await waitFor(() => running.every((p) => p.position() >= last), 'both instances');
    expect((await rowOf(carol.remoteIdentityId))?.messages_fetched).toBe(150);
  });

  it('projects a stream with gaps where events were purged', async () => {
    const kept = identityEvents();
    const last = await append(
      kept.event('RemoteIdentityCreated', CREATED),
      kept.event('FetchCompleted', fetchCompleted(2)),
    );
    const gone = identityEvents();
    await append(
      gone.event('RemoteIdentityCreated', CREATED),
      ...Array.from({ length: 30 }, () => gone.event('FetchCompleted', fetchCompleted(1))),
    );
    // Purged events leave gaps in the sequence; `last` is in fact the end of the stream.
    await nats.jsm.streams.purge(TOPOLOGY.identityStream, {
      filter: TOPOLOGY.identitySubject(gone.remoteIdentityId),
    });

    await start();
    await projectedUpTo(last);
    expect((await rowOf(kept.remoteIdentityId))?.messages_fetched).toBe(2);
    expect(await rowOf(gone.remoteIdentityId)).toBeUndefined();
  });

  it('logs and skips an invalid event, then applies the events after it', async () => {
    await start();
    const dave = identityEvents();
    await append(dave.event('RemoteIdentityCreated', CREATED));
    const subject = TOPOLOGY.identitySubject(dave.remoteIdentityId);
    const notJson = await nats.js.publish(subject, 'not json at all');
    const badData = { ...dave.event('FetchCompleted', fetchCompleted(1)), data: { fetched: -1 } };
    const invalid = await nats.js.publish(subject, JSON.stringify(badData));
    const last = await append(dave.event('FetchCompleted', fetchCompleted(6)));

    await projectedUpTo(last);
    expect(await rowOf(dave.remoteIdentityId)).toMatchObject({
      messages_fetched: 6,
      last_sequence: last,
    });
    const skipped = logLines.filter((l) => l.msg === 'skipping an invalid event');
    expect(skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 50, sequence: notJson.seq }),
        expect.objectContaining({ level: 50, sequence: invalid.seq }),
      ]),
    );
  });

  it('sets aside an event that PostgreSQL refuses, and applies its neighbours', async () => {
    await start();
    const before = identityEvents();
    const poisoned = identityEvents(undefined, 'user-with-\u0000-nul');
    const after = identityEvents();
    await append(before.event('RemoteIdentityCreated', CREATED));
    const refused = await append(poisoned.event('RemoteIdentityCreated', CREATED));
    const last = await append(after.event('RemoteIdentityCreated', CREATED));

    await projectedUpTo(last);
    expect(await rowOf(before.remoteIdentityId)).toBeDefined();
    expect(await rowOf(after.remoteIdentityId)).toBeDefined();
    expect(await rowOf(poisoned.remoteIdentityId)).toBeUndefined();
    const setAside = logLines.filter((l) => l.msg.startsWith('setting aside'));
    expect(setAside).toEqual([expect.objectContaining({ level: 50, sequence: refused })]);
  });

  it('keeps its checkpoint through a database error and resumes once it is gone', async () => {
    const projection = await start();
    const erin = identityEvents();
    const created = await append(erin.event('RemoteIdentityCreated', CREATED));
    await projectedUpTo(created);

    // A constraint that erin's next event breaks, as a real fault would fail the transaction.
    const erinOnly = sql.lit(erin.remoteIdentityId);
    await sql`ALTER TABLE remote_identities ADD CONSTRAINT erin_below_100
      CHECK (remote_identity_id <> ${erinOnly} OR messages_fetched < 100)`.execute(db);
    try {
      const blocked = await append(erin.event('FetchCompleted', fetchCompleted(100)));
      await waitFor(
        () => logLines.some((l) => l.msg === 'projection paused after an error'),
        'the error to be logged',
      );
      expect(await readPosition(db, 'remote-identities')).toBeLessThan(blocked);
      expect(projection.position()).toBeLessThan(blocked);
    } finally {
      await sql`ALTER TABLE remote_identities DROP CONSTRAINT erin_below_100`.execute(db);
    }
    const last = await append(erin.event('FetchCompleted', fetchCompleted(5)));
    await projectedUpTo(last);
    expect((await rowOf(erin.remoteIdentityId))?.messages_fetched).toBe(105);
  });

  it('carries on without losing an event when its database connections are cut', async () => {
    await start();
    const frank = identityEvents();
    const created = await append(frank.event('RemoteIdentityCreated', CREATED));
    await projectedUpTo(created);

    // What a PostgreSQL restart does to the pool: every open connection dies at once.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db);
    const last = await append(
      frank.event('FetchCompleted', fetchCompleted(2)),
      frank.event('FetchCompleted', fetchCompleted(3)),
    );
    await projectedUpTo(last);
    expect((await rowOf(frank.remoteIdentityId))?.messages_fetched).toBe(5);
  });

  it('projects contact events into contacts under the same checkpoint', async () => {
    await start();
    const contactId = randomUUID();
    const context = () => ({
      contact_id: contactId,
      user_id: 'zoe',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date().toISOString(),
    });
    await nats.log.appendContact(newContactEvent('ContactCreated', {}, context()));
    const email = {
      address: 'zoe@example.org',
      is_primary: true,
      label: null,
      type: null,
      provider: 'gmail',
    };
    const { sequence } = await nats.log.appendContact(
      newContactEvent('ContactEmailSet', { subobject_id: 'z', subobject: email }, context()),
    );
    const zoe = identityEvents();
    const last = await append(
      zoe.event('RemoteIdentityCreated', CREATED),
      zoe.event('RemoteIdentityProviderChanged', { provider: 'gmail' }),
    );
    await projectedUpTo(last);
    const row = await db
      .selectFrom('contacts')
      .selectAll()
      .where('contact_id', '=', contactId)
      .executeTakeFirst();
    expect(row).toMatchObject({ user_id: 'zoe', last_sequence: sequence });
    expect(row?.emails).toEqual([{ id: 'z', ...email, date_insert: expect.any(String) }]);
    expect((await rowOf(zoe.remoteIdentityId))?.provider).toBe('gmail');
  });
});
