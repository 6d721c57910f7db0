import { md5OfFetched, type DatasetMessage } from '../../test/support/dataset.ts';
import type { DovecotServer } from '../../test/support/dovecot.ts';
import {
  createEmailSubObject,
  readPublishedMail,
  waitFor,
  type TestSystem,
} from '../../test/support/system.ts';
import { phasesOf, type SystemPhases } from './phases.ts';
import { VerificationError } from './verification-error.ts';

export interface SystemFetchResult {
  ms: number;
  identityId: string;
  phases: SystemPhases;
  /** Bytes the connector reports having published (`FetchCompleted.bytes`, summed). */
  bytes: number;
  /** Share of the timed section this process's event loop was busy, 0..1. */
  eventLoop: number;
  /** CPU time of this process (all its threads) over wall time; 1 = one core. */
  cpu: number;
}

// A user per round: one user may register a login on a server only once.
let rounds = 0;
/** Short enough that polling adds little to the figure, long enough not to flood the API. */
const POLL_MS = 10;
const TIMEOUT_MS = 10 * 60_000;

/**
 * Times one fresh identity from its creation until the read model shows the whole INBOX
 * fetched, then checks outside the timed section that exactly the dataset was published, and
 * disconnects it so that an idle session does not linger into the next measurement.
 */
export async function timeSystemFetch(
  system: TestSystem,
  dovecot: DovecotServer,
  dataset: readonly DatasetMessage[],
): Promise<SystemFetchResult> {
  const expected = dataset.length;
  const user = `bench-user-${++rounds}`;
  // Outside the measured span: the identity is created on an email of the user's contact.
  const emailId = await createEmailSubObject(system, user);
  // The whole system runs in this process, so its load shows whether Node is the bottleneck.
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const started = performance.now();
  const created = await system.call(user, 'POST', '/v1/remote-identities', {
    identity_type: 'email',
    identity_id: emailId,
    params: {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      // STARTTLS port: the connector speaks implicit TLS only on 993.
      mail_port: dovecot.imapPort,
      fetch_method: 'from_beginning',
    },
  });
  if (created.status !== 201) throw new Error(`POST answered ${created.status}`);
  const identityId = created.body.remote_identity_id as string;
  const path = `/v1/remote-identities/${identityId}`;
  const patched = await system.call(user, 'PATCH', path, { connection_required: true });
  if (patched.status !== 200) throw new Error(`PATCH answered ${patched.status}`);
  await waitFor(
    () => system.call(user, 'GET', path),
    ({ body }) => {
      // A wrong count or an error will never turn into success: fail now, not at the timeout.
      if (body?.last_error) throw new VerificationError(`fetch failed: ${body.last_error.code}`);
      if (body?.messages_fetched > expected) {
        throw new VerificationError(`read model shows ${body.messages_fetched} > ${expected}`);
      }
      return body?.messages_fetched === expected && body?.is_fetching === false;
    },
    { intervalMs: POLL_MS, timeoutMs: TIMEOUT_MS, what: `${expected} messages fetched` },
  );
  const ms = performance.now() - started;
  const seenAt = Date.now();
  const eventLoop = performance.eventLoopUtilization(loopBefore).utilization;
  const { user: userCpu, system: kernel } = process.cpuUsage(cpuBefore);
  const cpu = (userCpu + kernel) / 1000 / ms;

  await verifyPublished(system, identityId, dataset);
  const events = await system.events(identityId);
  const phases = phasesOf(events, startedAt, seenAt);
  let bytes = 0;
  for (const event of events) if (event.type === 'FetchCompleted') bytes += event.data.bytes;
  await disconnect(system, path, user);
  return { ms, identityId, phases, bytes, eventLoop, cpu };
}

/** Exactly one publication per dataset message, each with the dataset's content. */
async function verifyPublished(
  system: TestSystem,
  identityId: string,
  dataset: readonly DatasetMessage[],
): Promise<void> {
  const published = await readPublishedMail(system, identityId);
  if (published.length !== dataset.length) {
    throw new VerificationError(
      `identity ${identityId}: ${published.length} messages published, ${dataset.length} expected`,
    );
  }
  const uids = new Set(published.map((mail) => mail.uid));
  if (uids.size !== dataset.length) {
    throw new VerificationError(`identity ${identityId}: ${uids.size} distinct UIDs published`);
  }
  const remaining = new Map<string, number>();
  for (const { md5 } of dataset) remaining.set(md5, (remaining.get(md5) ?? 0) + 1);
  for (const mail of published) {
    const md5 = md5OfFetched(mail.raw);
    const left = remaining.get(md5) ?? 0;
    if (left === 0) {
      throw new VerificationError(`identity ${identityId}: uid ${mail.uid} is not in the dataset`);
    }
    remaining.set(md5, left - 1);
  }
}

async function disconnect(system: TestSystem, path: string, user: string): Promise<void> {
  const answer = await system.call(user, 'PATCH', path, { connection_required: false });
  if (answer.status !== 200) throw new Error(`disconnecting PATCH answered ${answer.status}`);
  await waitFor(
    () => system.call(user, 'GET', path),
    ({ body }) => body?.connected === false,
    { intervalMs: POLL_MS, what: 'the identity disconnected' },
  );
}
