import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { ImapFlow } from 'imapflow';
import { MAIL_HEADERS } from '@ri/events';
import type { DatasetMessage } from '../../test/support/dataset.ts';
import type { DovecotServer } from '../../test/support/dovecot.ts';
import type { TestSystem } from '../../test/support/system.ts';
import { median } from './report.ts';
import { VerificationError } from './verification-error.ts';

/** The connector's defaults (mailbox-sync.ts), so that the probes stay comparable to it. */
const CHUNK_SIZE = 250;
const WINDOW_SIZE = 256;
const QUERY = { uid: true, source: true, flags: true } as const;

/** Publishes like MailPublisher (same headers, message id, window) under a made-up identity. */
class ProbeSink {
  private readonly identityId = randomUUID();
  private inFlight: Promise<unknown>[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly mailSubject: (identityId: string) => string,
  ) {}

  /** Sends without waiting: every call before the next await shares one socket write. */
  send(uid: number, source: Uint8Array): void {
    const h = headers();
    h.set(MAIL_HEADERS.identity, this.identityId);
    h.set(MAIL_HEADERS.mailbox, 'INBOX');
    h.set(MAIL_HEADERS.uidValidity, '1');
    h.set(MAIL_HEADERS.uid, String(uid));
    h.set(MAIL_HEADERS.size, String(source.length));
    const subject = this.mailSubject(this.identityId);
    const msgID = `${this.identityId}/INBOX/1/${uid}`;
    const ack = this.js.publish(subject, source, { msgID, headers: h });
    ack.catch(() => undefined);
    this.inFlight.push(ack);
  }

  async keepWindow(): Promise<void> {
    while (this.inFlight.length >= WINDOW_SIZE) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    const all = this.inFlight;
    this.inFlight = [];
    await Promise.all(all);
  }
}

/**
 * The connector's fetch loop rebuilt: SELECT, SEARCH, FETCH in 250-UID chunks over STARTTLS,
 * each chunk's publications drained before the next. With `sink` undefined nothing is
 * published (the IMAP half alone); `batch` messages are sent together, 1 as the connector does.
 */
async function probeFetch(
  dovecot: DovecotServer,
  expected: number,
  sink?: ProbeSink,
  batch = 1,
): Promise<number> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.imapPort,
    secure: false,
    doSTARTTLS: true,
    tls: { ca: [dovecot.caCertPem], rejectUnauthorized: true },
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
  await client.connect();
  try {
    const started = performance.now();
    const lock = await client.getMailboxLock('INBOX');
    let count = 0;
    try {
      const found = (await client.search({ uid: '1:*' }, { uid: true })) || [];
      const uids = found.sort((a, b) => a - b);
      for (let i = 0; i < uids.length; i += CHUNK_SIZE) {
        const range = `${uids[i]}:${uids[Math.min(i + CHUNK_SIZE, uids.length) - 1]}`;
        let pending: { uid: number; source: Uint8Array }[] = [];
        const flush = async (): Promise<void> => {
          for (const mail of pending) sink?.send(mail.uid, mail.source);
          pending = [];
          await sink?.keepWindow();
        };
        for await (const msg of client.fetch(range, QUERY, { uid: true })) {
          if (!msg.source) continue;
          count += 1;
          pending.push({ uid: msg.uid, source: msg.source });
          if (pending.length >= batch) await flush();
        }
        await flush();
        await sink?.drain();
      }
    } finally {
      lock.release();
    }
    const ms = performance.now() - started;
    if (count !== expected) throw new VerificationError(`IMAP probe fetched ${count}`);
    return ms;
  } finally {
    await client.logout();
  }
}

/** The JetStream half alone: the dataset as served (CRLF), published as the connector would. */
async function probePublish(system: TestSystem, dataset: readonly DatasetMessage[]) {
  const sink = new ProbeSink(jetstream(system.nc), system.topology.mailSubject);
  const sources = dataset.map((m) => Buffer.from(m.text.replace(/\r?\n/g, '\r\n'), 'utf8'));
  const started = performance.now();
  for (let i = 0; i < sources.length; i++) {
    sink.send(i + 1, sources[i]!);
    // The connector awaits its window after every message, which lets nats.js flush each alone.
    await sink.keepWindow();
    if ((i + 1) % CHUNK_SIZE === 0) await sink.drain();
  }
  await sink.drain();
  return performance.now() - started;
}

/**
 * nats.js builds two Error objects (stack captured) per request unless the connection was
 * opened with `noAsyncTraces`. The option is read on every request, so the probe flips it on
 * the system's own connection for one call and restores it.
 */
async function withoutAsyncTraces<T>(system: TestSystem, run: () => Promise<T>): Promise<T> {
  const options = (system.nc as unknown as { protocol: { options: Record<string, unknown> } })
    .protocol.options;
  const before = options.noAsyncTraces;
  options.noAsyncTraces = true;
  try {
    return await run();
  } finally {
    options.noAsyncTraces = before;
  }
}

/**
 * Runs each probe `runs` times and answers the median ms of each, to split the connector's
 * fetch phase into what IMAP costs, what publishing costs and what interleaving them costs.
 */
export async function runProbes(
  system: TestSystem,
  dovecot: DovecotServer,
  dataset: readonly DatasetMessage[],
  runs: number,
): Promise<Record<string, number>> {
  const n = dataset.length;
  const sink = () => new ProbeSink(jetstream(system.nc), system.topology.mailSubject);
  const probes: Record<string, () => Promise<number>> = {
    'imap fetch only (same query, chunks)': () => probeFetch(dovecot, n),
    'publish only (same window, drains)': () => probePublish(system, dataset),
    'imap + publish per message (as connector)': () => probeFetch(dovecot, n, sink()),
    'imap + publish, batches of 64': () => probeFetch(dovecot, n, sink(), 64),
    'imap + publish per message, noAsyncTraces': () =>
      withoutAsyncTraces(system, () => probeFetch(dovecot, n, sink())),
    'imap + publish, batches of 64, noAsyncTraces': () =>
      withoutAsyncTraces(system, () => probeFetch(dovecot, n, sink(), 64)),
  };
  const times: Record<string, number[]> = {};
  for (let run = 0; run < runs; run++) {
    for (const [name, probe] of Object.entries(probes)) (times[name] ??= []).push(await probe());
  }
  return Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, median(ms)]));
}
