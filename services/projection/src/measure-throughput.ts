import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology, type RemoteIdentityEvent } from '@ri/events';
import { silentLogger } from '@ri/logging';
import { readPosition } from '@ri/read-model';
import { createTestDatabase } from '@ri/read-model/testing';
import { startProjection } from './projection.ts';
import { CREATED, fetchCompleted, identityEvents } from './test-events.ts';

// Measures how fast the projection catches up on the identity stream, on a throwaway database:
//   npx tsx services/projection/src/measure-throughput.ts [events]
// It appends `events` events (default 10,000) over identities of 100 events each to streams of
// its own namespace, projects them all from the start, then deletes those streams.

const EVENTS = Number(process.argv[2] ?? 10_000);
const PER_IDENTITY = 100;

const TOPOLOGY = topology(`projection-bench-${randomBytes(4).toString('hex')}`);
const nc = await connectNats({
  url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  name: 'bench',
});
const nats = await openJetStream(nc, { topology: TOPOLOGY });
const database = await createTestDatabase();
const identities: string[] = [];
try {
  // 1. Append, in parallel chunks: the measure is of the projection, not of publishing.
  const events: RemoteIdentityEvent[] = [];
  while (events.length < EVENTS) {
    const identity = identityEvents(randomUUID());
    identities.push(identity.remoteIdentityId);
    events.push(identity.event('RemoteIdentityCreated', CREATED));
    for (let i = 1; i < PER_IDENTITY && events.length < EVENTS; i += 1) {
      events.push(identity.event('FetchCompleted', fetchCompleted(1)));
    }
  }
  let last = 0;
  for (let i = 0; i < events.length; i += 1000) {
    const acks = await Promise.all(events.slice(i, i + 1000).map((e) => nats.log.append(e)));
    last = Math.max(last, ...acks.map((a) => a.sequence));
  }

  // 2. Project everything up to the last appended event.
  const began = performance.now();
  const projection = await startProjection({
    js: nats.js,
    db: database.db,
    logger: silentLogger(),
    topology: TOPOLOGY,
  });
  while (projection.position() < last) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - began) / 1000;
  await projection.stop();

  const rows = await database.db
    .selectFrom('remote_identities')
    .select(({ fn }) => fn.sum<number>('messages_fetched').as('fetched'))
    .where('remote_identity_id', 'in', identities)
    .executeTakeFirstOrThrow();
  console.log(
    JSON.stringify({
      events: events.length,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(events.length / seconds),
      checkpoint: await readPosition(database.db, 'remote-identities'),
      fetchedCounted: Number(rows.fetched),
      fetchedExpected: events.length - identities.length,
    }),
  );
} finally {
  await nats.jsm.streams.delete(TOPOLOGY.identityStream);
  await nats.jsm.streams.delete(TOPOLOGY.mailStream);
  await database.drop();
  await nats.nc.drain();
}
