import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, EventLog } from '@ri/event-store';
import { topology, type RemoteIdentityEvent } from '@ri/events';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import { ChildSystem } from '../../test/support/child-system.ts';
import { loadGroup, type DatasetGroup } from '../../test/support/dataset.ts';
import type { DovecotServer } from '../../test/support/dovecot.ts';
import { createEmailSubObject, deleteNamespace, waitFor } from '../../test/support/system.ts';
import { imapParams, percentile, withMailboxServer } from './mailbox-server.ts';
import { fixed, median, row } from './report.ts';
import { VerificationError } from './verification-error.ts';

const USER = 'bench-restart';
/** Polling the log this often adds at most this much to the figures. */
const POLL_MS = 10;

interface RestartRound {
  round: number;
  /** Restart until the API answers /healthz: Node, tsx and the services starting. */
  boot: number;
  /** Restart until the `Connected` event. */
  connected: number;
  /** Restart until the `FetchCompleted` event of the fetch after the restart. */
  completed: number;
  /** That fetch's own `duration_ms`. */
  fetchMs: number;
  /** Messages that fetch published; anything but 0 is a duplicate. */
  fetched: number;
}

/**
 * Fetches a whole INBOX with the system in a child process, then `runs` times kills it
 * (SIGKILL) and starts it again on the same NATS namespace and database, timing until the
 * identity is connected again and its catch-up fetch has completed, and checking that the
 * catch-up published nothing.
 */
export async function runRestart({ runs, group }: { runs: number; group: DatasetGroup }) {
  const dataset = loadGroup(group);
  await withMailboxServer(dataset, async (dovecot) => {
    const namespace = `b${randomBytes(5).toString('hex')}`;
    const names = topology(namespace);
    let database: TestDatabase | undefined;
    let nc: NatsConnection | undefined;
    let system: ChildSystem | undefined;
    try {
      database = await createTestDatabase({ migrate: false });
      nc = await connectNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'b' });
      const log = new EventLog(jetstream(nc), await jetstreamManager(nc), names);
      const jsm = await jetstreamManager(nc);
      const published = async () =>
        (await jsm.streams.info(names.mailStream).catch(() => undefined))?.state.messages ?? 0;
      system = new ChildSystem({
        namespace,
        databaseUrl: database.url,
        caFile: dovecot.caCertFile,
      });
      await system.start();
      const id = await fetchWhole(system, dovecot, dataset.length);
      if ((await published()) !== dataset.length) {
        throw new VerificationError(`${await published()} published, ${dataset.length} expected`);
      }
      const rounds: RestartRound[] = [];
      for (let round = 1; round <= runs; round++) {
        await system.kill();
        const before = (await log.read(id)).length;
        const startedAt = Date.now();
        await system.start();
        const boot = Date.now() - startedAt;
        const after = await waitFor(
          async () => (await log.read(id)).slice(before).map((s) => s.event),
          (events) => events.some((e) => e.type === 'FetchCompleted' || e.type === 'FetchFailed'),
          { intervalMs: POLL_MS, timeoutMs: 120_000, what: 'a fetch after the restart' },
        );
        const result = { round, boot, ...catchUp(after, startedAt) };
        // Untimed: the read model catches up with the events the timing was taken from.
        await waitFor(
          () => system!.call(USER, 'GET', `/v1/remote-identities/${id}`),
          ({ body }) => body?.connected && Date.parse(body.last_connection) >= startedAt,
          { intervalMs: POLL_MS, timeoutMs: 10_000, what: 'the API to show the new connection' },
        );
        const count = await published();
        if (result.fetched !== 0 || count !== dataset.length) {
          throw new VerificationError(
            `restart ${round}: fetched ${result.fetched}, stream holds ${count}/${dataset.length}`,
          );
        }
        rounds.push(result);
        console.error(`restart ${round}/${runs}: fetch completed after ${result.completed} ms`);
      }
      printRestart(group, dataset.length, rounds);
    } finally {
      await system?.kill();
      await database?.drop();
      if (nc) {
        await deleteNamespace(nc, namespace);
        await nc.close();
      }
    }
  });
}

/** Registers the identity, asks for its connection, and waits until the INBOX is fetched. */
async function fetchWhole(
  system: ChildSystem,
  dovecot: DovecotServer,
  expected: number,
): Promise<string> {
  const created = await system.call(USER, 'POST', '/v1/remote-identities', {
    identity_type: 'email',
    identity_id: await createEmailSubObject(system, USER),
    params: imapParams(dovecot, 'from_beginning'),
    connection_required: true,
  });
  if (created.status !== 201) throw new Error(`POST answered ${created.status}`);
  const id = created.body.remote_identity_id as string;
  await waitFor(
    () => system.call(USER, 'GET', `/v1/remote-identities/${id}`),
    ({ body }) => body?.messages_fetched === expected && body?.is_fetching === false,
    { intervalMs: 50, timeoutMs: 600_000, what: 'the first fetch' },
  );
  return id;
}

/** Times after the restart from the events it caused (same host clock, ms resolution). */
function catchUp(events: readonly RemoteIdentityEvent[], startedAt: number) {
  const connected = events.find((e) => e.type === 'Connected');
  const done = events.find((e) => e.type === 'FetchCompleted' || e.type === 'FetchFailed');
  if (!connected) throw new VerificationError('no Connected event after the restart');
  if (done?.type !== 'FetchCompleted') {
    throw new VerificationError(`the fetch after the restart failed: ${JSON.stringify(done)}`);
  }
  return {
    connected: Date.parse(connected.occurred_at) - startedAt,
    completed: Date.parse(done.occurred_at) - startedAt,
    fetchMs: done.data.duration_ms,
    fetched: done.data.fetched,
  };
}

function printRestart(group: string, messages: number, rounds: readonly RestartRound[]) {
  const columns = ['boot', 'connected', 'completed', 'fetchMs'] as const;
  const lines = [
    `restart benchmark: ${group} (${messages} messages) fetched, then the system SIGKILLed and` +
      ' started again (child process, same namespace and database)',
    'ms from the restart: boot = /healthz answers (polled every 100 ms), ' +
      'connected = Connected event,',
    '  completed = FetchCompleted event; fetch ms = its duration_ms; fetched = its count',
    row(['round', 'boot', 'connected', 'completed', 'fetch ms', 'fetched']),
    ...rounds.map((r) => row([r.round, ...columns.map((c) => fixed(r[c])), r.fetched])),
    row(['median', ...columns.map((c) => fixed(median(rounds.map((r) => r[c])))), '']),
    '',
    `summary: restart of a caught-up identity (${messages} msgs), ${rounds.length} rounds:` +
      ` catch-up fetch median ${fixed(median(rounds.map((r) => r.fetchMs)))} ms` +
      ` (max ${fixed(
        percentile(
          rounds.map((r) => r.fetchMs),
          1,
        ),
      )}), 0 messages republished;` +
      ` restart to FetchCompleted median ${fixed(median(rounds.map((r) => r.completed)))} ms,` +
      ` of which boot ${fixed(median(rounds.map((r) => r.boot)))} ms`,
  ];
  console.log(lines.join('\n'));
}
