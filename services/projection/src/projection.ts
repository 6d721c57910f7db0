import { setTimeout as sleep } from 'node:timers/promises';
import { CONSUME_EXPIRES_MS, decodeLogEvent, type JetStreamContext } from '@ri/event-store';
import { DEFAULT_TOPOLOGY, EventSchemaError, type Topology } from '@ri/events';
import { readPosition, type ReadModelDb } from '@ri/read-model';
import type { Logger } from 'pino';
import { applyBatch, type ProjectionBatch } from './apply-batch.ts';

/** The JetStream client of `@nats-io/jetstream`, named through the event store that owns it. */
export type JetStreamClient = JetStreamContext['js'];
type Consumer = Awaited<ReturnType<JetStreamClient['consumers']['get']>>;
type ConsumerMessages = Awaited<ReturnType<Consumer['consume']>>;

export interface ProjectionOptions {
  js: JetStreamClient;
  db: ReadModelDb;
  logger: Logger;
  /** The checkpoint's name in `projection_checkpoints`; default `remote-identities`. */
  name?: string;
  /** Where the identity stream is; the default namespace unless given. */
  topology?: Topology;
}

export interface Projection {
  /**
   * The identity stream sequence that the read model is known to include: the checkpoint read
   * at start, then that of each commit. It lags the database while another instance leads.
   */
  position(): number;
  /** Stops consuming after the transaction under way, if any; resolves when it has ended. */
  stop(): Promise<void>;
}

/** Messages applied in one transaction at most; more means longer locks and larger inserts. */
const MAX_BATCH = 200;
/** How long a batch waits for one more message before it is committed as it is. */
const LINGER_MS = 10;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** How long a stop waits for the consumer to confirm that it closed. */
const CLOSE_WAIT_MS = 2000;

// Values of DeliverPolicy.All and DeliverPolicy.StartSequence: `@nats-io/jetstream` is a
// dependency of the event store, not of this service, so its constants cannot be imported.
const DELIVER_ALL = 'all';
const DELIVER_FROM_SEQUENCE = 'by_start_sequence';

/**
 * Projects the identity stream into `remote_identities` and `contacts`. The checkpoint is read
 * from the database and written in the transaction of the rows it covers, so a crash never
 * applies an event twice nor skips one. An event that fails validation is logged and skipped.
 * A database or NATS error stops consuming; after a growing pause the projection resumes from
 * the checkpoint in the database. Rejects when the first checkpoint read or consumer fails.
 */
export async function startProjection({
  js,
  db,
  logger,
  name = 'remote-identities',
  topology = DEFAULT_TOPOLOGY,
}: ProjectionOptions): Promise<Projection> {
  const log = logger.child({ projection: name });
  const stopping = new AbortController();
  let position = 0;
  let current: ConsumerMessages | undefined;

  // The database is the durable position. A server-side durable consumer would hold a second
  // one that can disagree with it (after the database is restored from a backup, say); an
  // ordered consumer created afresh from the checkpoint cannot.
  async function open(): Promise<ConsumerMessages> {
    position = await readPosition(db, name);
    const consumer = await js.consumers.get(
      topology.identityStream,
      position === 0
        ? { deliver_policy: DELIVER_ALL }
        : { deliver_policy: DELIVER_FROM_SEQUENCE, opt_start_seq: position + 1 },
    );
    const messages = await consumer.consume({ expires: CONSUME_EXPIRES_MS });
    log.info({ position }, 'consuming the identity stream from the checkpoint');
    return messages;
  }

  async function consume(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    let batch: ProjectionBatch = { events: [], lastSequence: 0 };
    let size = 0;
    const commit = async (): Promise<void> => {
      const began = performance.now();
      const result = await applyOrSetAside(batch);
      position = result.position;
      const ms = Math.round(performance.now() - began);
      log.debug({ position, applied: result.applied, messages: size, ms }, 'applied a batch');
      batch = { events: [], lastSequence: 0 };
      size = 0;
    };
    let next = iterator.next();
    for (;;) {
      // A batch waits for the next message only briefly: the server's count of messages to
      // come (`info.pending`) can be too high (seen on NATS 2.9.10 after subject purges: 2,700
      // pending at the last message), and trusting it would leave a batch uncommitted until
      // unrelated events came along. Zero is trusted, so a caught-up projection commits at once.
      const arrived = size === 0 ? await next : await within(next, LINGER_MS);
      if (arrived === undefined) {
        await commit();
        continue;
      }
      if (arrived.done || stopping.signal.aborted) break;
      next = iterator.next();
      // Left pending when an error ends this loop; the consumer is closed then, so ignore it.
      next.catch(() => undefined);
      const msg = arrived.value;
      batch.lastSequence = msg.seq;
      size += 1;
      try {
        batch.events.push({ event: decodeLogEvent(msg.data), sequence: msg.seq });
      } catch (err) {
        // A poison event must not stop the projection for good: it is skipped, and the
        // checkpoint moves past it with the rest of the batch.
        if (!(err instanceof EventSchemaError || err instanceof SyntaxError)) throw err;
        log.error({ err, sequence: msg.seq, subject: msg.subject }, 'skipping an invalid event');
      }
      if (size >= MAX_BATCH || msg.info.pending === 0) await commit();
    }
    // A partial batch is dropped on purpose: nothing of it is committed, so the next start
    // reads it again from the checkpoint.
    if (!stopping.signal.aborted) throw new Error('the identity stream consumer ended');
  }

  // An event whose values PostgreSQL refuses as data (SQLSTATE class 22: a NUL byte, an
  // invalid encoding) would fail on every retry and stop the read model for every user. Such a
  // batch is applied again one event at a time, and the event that fails alone is set aside.
  async function applyOrSetAside(batch: ProjectionBatch) {
    try {
      return await applyBatch(db, name, batch);
    } catch (err) {
      if (!isDataException(err)) throw err;
    }
    for (const one of batch.events) {
      try {
        await applyBatch(db, name, { events: [one], lastSequence: one.sequence });
      } catch (err) {
        if (!isDataException(err)) throw err;
        log.error({ err, sequence: one.sequence }, 'setting aside an event the read model refuses');
        await applyBatch(db, name, { events: [], lastSequence: one.sequence });
      }
    }
    return applyBatch(db, name, { events: [], lastSequence: batch.lastSequence });
  }

  async function run(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    let retryMs = FIRST_RETRY_MS;
    let positionAtLastError = -1;
    while (!stopping.signal.aborted) {
      try {
        messages ??= await open();
        current = messages;
        if (stopping.signal.aborted) break;
        await consume(messages);
      } catch (err) {
        if (stopping.signal.aborted) break;
        // Progress since the last error means that one is over: start the pauses again short.
        if (position > positionAtLastError) retryMs = FIRST_RETRY_MS;
        positionAtLastError = position;
        log.error({ err, position, retryInMs: retryMs }, 'projection paused after an error');
        await closeQuietly(messages);
        await sleep(retryMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
      messages = undefined;
    }
    await closeQuietly(current);
  }

  const running = run(await open());
  return {
    position: () => position,
    async stop() {
      stopping.abort();
      await closeQuietly(current);
      await running;
      log.info({ position }, 'projection stopped');
    },
  };
}

function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** Closes a consumer whose connection may already be gone; there is nothing left to save. */
async function closeQuietly(messages: ConsumerMessages | undefined): Promise<void> {
  if (!messages) return;
  // Seen with nats.js 3.4 on NATS 2.9: closing an ordered consumer whose iteration had
  // already ended never settled, and held the projection's stop forever. Its messages are
  // over either way, so the wait is bounded.
  await Promise.race([
    messages.close().catch(() => undefined),
    sleep(CLOSE_WAIT_MS, undefined, { ref: false }),
  ]);
}

/** `promise`'s value, or `undefined` when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
