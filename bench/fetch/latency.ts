import { randomBytes } from 'node:crypto';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { imapClient } from '../../test/support/maildir.ts';
import {
  createEmailSubObject,
  startTestSystem,
  waitFor,
  type TestSystem,
} from '../../test/support/system.ts';
import { imapParams, percentile, withMailboxServer } from './mailbox-server.ts';
import { fixed, median, row } from './report.ts';
import { VerificationError } from './verification-error.ts';

const USER = 'bench-latency';
const SAMPLES = 100;
const ARRIVAL_TIMEOUT_MS = 30_000;

/**
 * One connected identity (`from_now`) on an idle INBOX; 100 times, a message is APPENDed over
 * IMAPS and timed until it is in the mail stream under that identity's subject, matched by a
 * unique Subject header. Sequential, so each sample sees an idle session. The peer beside it is
 * a bare imapflow client IDLEing on the same INBOX: the time until the server tells it of the
 * message is the least any IDLE-based system can achieve against this server.
 */
export async function runLatency() {
  await withMailboxServer([], async (dovecot) => {
    let system: TestSystem | undefined;
    const appender = imapClient(dovecot);
    const watcher = imapClient(dovecot);
    try {
      system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
      const created = await system.call(USER, 'POST', '/v1/remote-identities', {
        identity_type: 'email',
        identity_id: await createEmailSubObject(system, USER),
        params: imapParams(dovecot, 'from_now'),
        connection_required: true,
      });
      if (created.status !== 201) throw new Error(`POST answered ${created.status}`);
      const id = created.body.remote_identity_id as string;
      await waitFor(
        () => system!.call(USER, 'GET', `/v1/remote-identities/${id}`),
        ({ body }) => body?.connected === true && body?.is_fetching === false,
        { intervalMs: 10, what: 'the identity connected and idle' },
      );
      const arrivals = await watchArrivals(system, id);
      const told = await watchExists(watcher);
      // One IMAPS session for all appends, so that its login is not part of the figures.
      await appender.connect();
      const samples: Sample[] = [];
      try {
        for (let i = 1; i <= SAMPLES; i++) {
          samples.push(await timeOne(appender, arrivals, told, i));
        }
      } finally {
        await arrivals.close();
      }
      printLatency(samples);
    } finally {
      // close(), not logout(): a LOGOUT that gets no answer would keep the process alive.
      appender.close();
      watcher.close();
      await system?.stop();
    }
  });
}

interface Sample {
  /** APPEND sent until dovecot answered it with a UID. */
  append: number;
  /** APPEND sent until the message was delivered from the mail stream. */
  total: number;
  /** APPEND sent until the bare IDLE client was told of it (EXISTS). */
  idle: number;
}

/** The bare peer: resolves with the performance.now() of the next EXISTS it is told of. */
type NextExists = () => Promise<number>;

async function watchExists(client: ReturnType<typeof imapClient>): Promise<NextExists> {
  await client.connect();
  await client.mailboxOpen('INBOX');
  let notify: ((at: number) => void) | undefined;
  client.on('exists', () => notify?.(performance.now()));
  // imapflow keeps IDLE going after an EXISTS; without a command it never stops it.
  void client.idle().catch(() => undefined);
  return () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new VerificationError('the IDLE peer was never told')),
        ARRIVAL_TIMEOUT_MS,
      );
      notify = (at) => {
        clearTimeout(timer);
        notify = undefined;
        resolve(at);
      };
    });
}

interface Arrivals {
  /** Resolves with the performance.now() at which the message with `tag` arrived. */
  arrival(tag: string): Promise<number>;
  close(): Promise<void>;
}

/** An ordered consumer of the identity's mail subject, from now on, that notes each arrival. */
async function watchArrivals(system: TestSystem, identityId: string): Promise<Arrivals> {
  const consumer = await jetstream(system.nc).consumers.get(system.topology.mailStream, {
    filter_subjects: system.topology.mailSubject(identityId),
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  const seen = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const loop = (async () => {
    for await (const msg of messages) {
      const at = performance.now();
      // Small messages are carried inline; only large ones go to the object store.
      const tag = /^Subject: (bench-latency-\S+)\r?$/m.exec(msg.string())?.[1];
      if (!tag) continue;
      seen.set(tag, at);
      waiting.get(tag)?.(at);
    }
  })();
  return {
    arrival: (tag) =>
      new Promise<number>((resolve, reject) => {
        const at = seen.get(tag);
        if (at !== undefined) return resolve(at);
        const timer = setTimeout(
          () => reject(new VerificationError(`${tag} never arrived`)),
          ARRIVAL_TIMEOUT_MS,
        );
        waiting.set(tag, (when) => {
          clearTimeout(timer);
          resolve(when);
        });
      }),
    async close() {
      await messages.close();
      await loop;
    },
  };
}

async function timeOne(
  appender: ReturnType<typeof imapClient>,
  arrivals: Arrivals,
  told: NextExists,
  index: number,
): Promise<Sample> {
  const tag = `bench-latency-${index}-${randomBytes(6).toString('hex')}`;
  const text =
    `From: sender@example.org\r\nTo: alice@example.org\r\nSubject: ${tag}\r\n` +
    `Message-ID: <${tag}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n\r\n` +
    `Latency sample ${index}.\r\n`;
  const arrived = arrivals.arrival(tag);
  const idled = told();
  const started = performance.now();
  const result = await appender.append('INBOX', text);
  const appended = performance.now();
  if (!result || result.uid === undefined) throw new Error('APPEND returned no UID');
  const [at, idleAt] = await Promise.all([arrived, idled]);
  return { append: appended - started, total: at - started, idle: idleAt - started };
}

function printLatency(samples: readonly Sample[]) {
  const totals = samples.map((s) => s.total);
  const appends = samples.map((s) => s.append);
  const idles = samples.map((s) => s.idle);
  const stat = (values: readonly number[]) => [
    fixed(percentile(values, 0)),
    fixed(median(values)),
    fixed(percentile(values, 0.99)),
    fixed(percentile(values, 1)),
  ];
  const p99 = percentile(totals, 0.99);
  const lines = [
    `latency benchmark: ${samples.length} messages APPENDed one at a time over IMAPS to the INBOX` +
      ' of one connected, idle identity (from_now)',
    'ms from sending the APPEND: append = dovecot answered, in stream = delivered from the',
    "  identity's mail subject by an ordered consumer, bare IDLE = a bare imapflow client",
    '  IDLEing on the same INBOX was told of it (EXISTS)',
    row(['', 'min', 'median', 'p99', 'max']),
    row(['append', ...stat(appends)]),
    row(['bare IDLE', ...stat(idles)]),
    row(['stream', ...stat(totals)]),
    '',
    `ratio stream / bare IDLE: median ${(median(totals) / median(idles)).toFixed(2)},` +
      ` p99 ${(p99 / percentile(idles, 0.99)).toFixed(2)}`,
    `summary: new mail to mail stream, ${samples.length} sequential APPENDs on loopback TLS:` +
      ` median ${fixed(median(totals))} ms, p99 ${fixed(p99)} ms` +
      ` (${p99 < 1000 ? 'meets' : 'misses'} the p99 < 1 s aim)`,
  ];
  console.log(lines.join('\n'));
}
