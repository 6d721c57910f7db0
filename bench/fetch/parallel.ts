import { loadGroup, type DatasetGroup } from '../../test/support/dataset.ts';
import type { DovecotServer } from '../../test/support/dovecot.ts';
import {
  createEmailSubObject,
  readPublishedMail,
  startTestSystem,
  type TestSystem,
} from '../../test/support/system.ts';
import { imapParams, percentile, withMailboxServer } from './mailbox-server.ts';
import { fixed, row } from './report.ts';
import { summaryNote } from './initial.ts';
import { VerificationError } from './verification-error.ts';

const IDENTITIES = 20;
const MESSAGES = 500;
/** One query for all identities every 10 ms: cheap enough not to load the system measured. */
const POLL_MS = 10;
const TIMEOUT_MS = 10 * 60_000;

/**
 * 20 identities of 20 API users on the same dovecot login (one user may register a login once,
 * different users may each), registered by concurrent POSTs; times until each one's read-model
 * row shows the 500 messages fetched.
 */
export async function runParallelFetch({
  group,
  summary,
}: {
  group: DatasetGroup;
  summary: boolean;
}) {
  const dataset = loadGroup(group).slice(0, MESSAGES);
  await withMailboxServer(dataset, async (dovecot) => {
    let system: TestSystem | undefined;
    try {
      system = await startTestSystem({ caFiles: [dovecot.caCertFile], mailSummary: summary });
      console.log(summaryNote(summary));
      const users = Array.from({ length: IDENTITIES }, (_, i) => `bench-parallel-${i + 1}`);
      // Outside the measured span: each identity is created on an email of its user's contact.
      const emails = await Promise.all(users.map((user) => createEmailSubObject(system!, user)));
      const startedAt = Date.now();
      const started = performance.now();
      const ids = await Promise.all(
        users.map((user, i) => register(system!, dovecot, user, emails[i]!)),
      );
      const done = await waitAllFetched(system, ids, dataset.length, started);
      const wall = Math.max(...done.values());
      const completed: number[] = [];
      for (const id of ids) {
        const events = await system.events(id);
        const last = events.filter((e) => e.type === 'FetchCompleted').at(-1);
        if (!last) throw new VerificationError(`identity ${id}: no FetchCompleted event`);
        completed.push(Date.parse(last.occurred_at) - startedAt);
        const count = (await readPublishedMail(system, id)).length;
        if (count !== dataset.length) {
          throw new VerificationError(`identity ${id}: ${count} published, ${dataset.length} due`);
        }
      }
      printParallel(group, dataset.length, [...done.values()], completed, wall);
    } finally {
      await system?.stop();
    }
  });
}

async function register(system: TestSystem, dovecot: DovecotServer, user: string, email: string) {
  const created = await system.call(user, 'POST', '/v1/remote-identities', {
    identity_type: 'email',
    identity_id: email,
    params: imapParams(dovecot, 'from_beginning'),
    connection_required: true,
  });
  if (created.status !== 201) {
    throw new Error(`POST for ${user} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return created.body.remote_identity_id as string;
}

/**
 * Polls the read model (what GET serves) for all identities at once and answers, per
 * identity, the ms from `started` until its row showed the whole mailbox fetched.
 */
async function waitAllFetched(
  system: TestSystem,
  ids: readonly string[],
  expected: number,
  started: number,
): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const deadline = Date.now() + TIMEOUT_MS;
  while (done.size < ids.length) {
    const rows = await system.database.db
      .selectFrom('remote_identities')
      .select(['remote_identity_id', 'messages_fetched', 'is_fetching', 'last_error'])
      .where('remote_identity_id', 'in', ids)
      .execute();
    const now = performance.now();
    for (const r of rows) {
      // A failure or an excess will never turn into success: fail now, not at the timeout.
      if (r.last_error)
        throw new VerificationError(`${r.remote_identity_id}: ${r.last_error.code}`);
      if (r.messages_fetched > expected) {
        throw new VerificationError(`${r.remote_identity_id}: ${r.messages_fetched} fetched`);
      }
      if (r.messages_fetched === expected && !r.is_fetching && !done.has(r.remote_identity_id)) {
        done.set(r.remote_identity_id, now - started);
      }
    }
    if (Date.now() > deadline) throw new Error(`only ${done.size}/${ids.length} done in time`);
    if (done.size < ids.length) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return done;
}

function printParallel(
  group: string,
  messages: number,
  times: readonly number[],
  completed: readonly number[],
  wall: number,
) {
  const total = messages * times.length;
  const p50 = percentile(times, 0.5);
  const p99 = percentile(times, 0.99);
  const lines = [
    `parallel benchmark: ${times.length} identities (${times.length} API users, one dovecot` +
      ` login), ${messages} messages of ${group} each, registered by concurrent POSTs`,
    'ms from the POSTs until: event = its last FetchCompleted (connector done),',
    '  read = the read model shows it done (what GET serves, polled every 10 ms)',
    row(['', 'first', 'p50', 'p99', 'last', 'msg/s']),
    row([
      'event',
      ...[0, 0.5, 0.99, 1].map((share) => fixed(percentile(completed, share))),
      ((total * 1000) / percentile(completed, 1)).toFixed(0),
    ]),
    row([
      'read',
      fixed(percentile(times, 0)),
      fixed(p50),
      fixed(p99),
      fixed(wall),
      ((total * 1000) / wall).toFixed(0),
    ]),
    '',
    `summary: ${times.length} identities x ${messages} msgs (${total}) at once, loopback TLS:` +
      ` all done in ${(wall / 1000).toFixed(2)} s, ${((total * 1000) / wall).toFixed(0)} msg/s` +
      ` overall; per identity, read model p50 ${fixed(p50)} / p99 ${fixed(p99)} ms,` +
      ` connector p50 ${fixed(percentile(completed, 0.5))} / p99` +
      ` ${fixed(percentile(completed, 0.99))} ms`,
  ];
  console.log(lines.join('\n'));
}
