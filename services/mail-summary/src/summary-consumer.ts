import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { isNotFound } from '@ri/event-store';
import { DEFAULT_TOPOLOGY, mailMessageId, type MailSummary, type Topology } from '@ri/events';
import type { Logger } from '@ri/logging';
import { readMailBody, readMailFacts, UnreadableMailError } from './raw-mail.ts';
import { summariseMail, unparsedSummary, type SummariseOptions } from './summarise.ts';

export interface MailSummaryOptions extends SummariseOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: Logger;
  topology?: Topology;
  /** The durable consumer on the mail stream; default `mail-summary`. */
  consumerName?: string;
  /** How long a delivered message may stay unacknowledged before redelivery. Default 60 s. */
  ackWaitMs?: number;
  /**
   * From this delivery on, a message is summarised from the stream's facts alone, unparsed:
   * it was delivered so often that the parser may be what keeps failing on it. Default 5.
   */
  maxDeliveries?: number;
  /** Summary publications awaiting the server's acknowledgement at most. Default 64. */
  inFlight?: number;
  /** How long a message that failed for a passing reason waits to come back. Default 5 s. */
  retryDelayMs?: number;
}

export interface RunningMailSummary {
  /** Stops taking messages, waits for the summaries under way, then resolves. */
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** From this size on, a message is said to be in progress before it is parsed. */
const LARGE_BYTES = 1024 * 1024;
/** Summaries published together at most, and how long the first of them may wait. */
const BATCH = 32;
const LINGER_MS = 20;
/** How long a stop waits for the consumer to confirm that it closed. */
const CLOSE_WAIT_MS = 2000;

/**
 * Summarises every message of the mail stream into the summary stream, through a durable
 * consumer that starts at the beginning of the stream. A message is acknowledged only once
 * its summary is stored; the summary's message id is the raw message's, so a redelivery is
 * dropped by the summary stream instead of duplicated. No message blocks the others: one
 * that cannot be parsed gets a summary with `parse_error`, one that keeps coming back is
 * summarised unparsed, and one without identity or uid is terminated and logged.
 */
export async function startMailSummary({
  js,
  jsm,
  logger,
  topology = DEFAULT_TOPOLOGY,
  consumerName = 'mail-summary',
  ackWaitMs = 60_000,
  maxDeliveries = 5,
  inFlight = 64,
  retryDelayMs = 5_000,
  maxParseBytes,
}: MailSummaryOptions): Promise<RunningMailSummary> {
  const log = logger.child({ consumer: consumerName });
  const stopping = new AbortController();
  const pending = new Set<Promise<void>>();
  const ready: { msg: JsMsg; summary: MailSummary }[] = [];
  let lingering: NodeJS.Timeout | undefined;
  let blobs: Promise<ObjectStore> | undefined;
  let current: ConsumerMessages | undefined;
  // The bucket exists once a message names a blob in it: its publisher creates it first. A
  // failed opening is forgotten, so that the next message tries again.
  const openBlobs = () =>
    (blobs ??= new Objm(js).open(topology.mailBlobBucket).catch((err: unknown) => {
      blobs = undefined;
      throw err;
    }));

  async function summarise(msg: JsMsg): Promise<MailSummary> {
    const facts = readMailFacts(msg);
    const deliveries = msg.info.deliveryCount;
    if (deliveries >= maxDeliveries) {
      const reason = `not parsed: delivered ${deliveries} times without a summary`;
      log.error({ identityId: facts.identityId, seq: msg.seq, deliveries }, reason);
      return unparsedSummary(facts, reason);
    }
    const raw = await readMailBody(msg, openBlobs);
    if (raw === null) return unparsedSummary(facts, 'the body is missing from the object store');
    // A large message may take a while to parse: its ack wait starts again now. Not for every
    // message, since each call is one more write to the server.
    if (raw.length >= LARGE_BYTES) msg.working();
    return summariseMail(raw, facts, { maxParseBytes });
  }

  function publish(msg: JsMsg, summary: MailSummary): Promise<void> {
    const id = mailMessageId({
      identityId: summary.remote_identity_id,
      mailbox: summary.mailbox,
      uidValidity: summary.uid_validity,
      uid: summary.uid,
      ...(summary.uidl === undefined ? {} : { uidl: summary.uidl }),
    });
    const subject = topology.summarySubject(summary.remote_identity_id);
    const body = new TextEncoder().encode(JSON.stringify(summary));
    return js.publish(subject, body, { msgID: id }).then(
      () => void msg.ack(),
      (err: unknown) => {
        log.warn({ err, seq: msg.seq }, 'summary not stored; the message comes back later');
        msg.nak(retryDelayMs);
      },
    );
  }

  async function handle(msg: JsMsg): Promise<void> {
    let summary: MailSummary;
    try {
      summary = await summarise(msg);
    } catch (err) {
      if (err instanceof UnreadableMailError) {
        log.error({ err, seq: msg.seq, subject: msg.subject }, 'mail without identity dropped');
        msg.term(err.message);
        return;
      }
      // The object store did not answer: worth another try later.
      log.warn({ err, seq: msg.seq }, 'mail body unavailable; the message comes back later');
      msg.nak(retryDelayMs);
      return;
    }
    if (summary.parse_error) {
      const { remote_identity_id: identityId, uid, parse_error: error } = summary;
      log.warn({ identityId, uid, seq: msg.seq, error }, 'summarised with a parse error');
    }
    ready.push({ msg, summary });
    if (ready.length >= BATCH || msg.info.pending === 0) await flush();
    // The server's count of what is left can be too high; a batch never waits longer.
    else lingering ??= setTimeout(() => void flush(), LINGER_MS);
  }

  // Summaries are published in batches from one synchronous loop: nats.js writes what was
  // queued in one go at the end of the turn, where publishing after each parse (whose
  // decoding spans event loop turns) cost a socket write per publication and acknowledgement.
  // Parsing stays in order; only the round trips to the server overlap.
  async function flush(): Promise<void> {
    clearTimeout(lingering);
    lingering = undefined;
    for (const { msg, summary } of ready.splice(0)) {
      const done = publish(msg, summary);
      pending.add(done);
      void done.finally(() => pending.delete(done));
    }
    while (pending.size >= inFlight) await Promise.race(pending);
  }

  // Made again after an error too: an operator may have deleted the consumer to reset it.
  async function open(): Promise<ConsumerMessages> {
    await ensureConsumer(jsm, topology, consumerName, ackWaitMs, inFlight);
    const consumer = await js.consumers.get(topology.mailStream, consumerName);
    return consumer.consume({ max_messages: inFlight * 2 });
  }

  async function run(first: ConsumerMessages): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    let next: ConsumerMessages | undefined = first;
    while (!stopping.signal.aborted) {
      try {
        current = next ?? (await open());
        next = undefined;
        if (stopping.signal.aborted) break;
        for await (const msg of current) {
          await handle(msg);
          retryMs = FIRST_RETRY_MS;
        }
      } catch (err) {
        log.error({ err, retryInMs: retryMs }, 'mail summary paused after an error');
      }
      if (stopping.signal.aborted) break;
      await sleep(retryMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }

  current = await open();
  const running = run(current);
  log.info({ stream: topology.mailStream }, 'mail summary started');
  return {
    async stop() {
      stopping.abort();
      // Bounded: the messages are over either way, and a close on a connection that is gone
      // need not settle.
      await Promise.race([
        current?.close().catch(() => undefined),
        sleep(CLOSE_WAIT_MS, undefined, { ref: false }),
      ]);
      await running;
      await flush();
      await Promise.allSettled(pending);
      log.info('mail summary stopped');
    },
  };
}

/**
 * Creates the durable consumer when it is missing. A new one starts at the beginning of the
 * mail stream, so that mail fetched before the service existed is summarised too.
 */
async function ensureConsumer(
  jsm: JetStreamManager,
  topology: Topology,
  name: string,
  ackWaitMs: number,
  inFlight: number,
): Promise<void> {
  try {
    await jsm.consumers.info(topology.mailStream, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(topology.mailStream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: topology.mailFilter,
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: Math.max(1000, inFlight * 4),
    });
  }
}
