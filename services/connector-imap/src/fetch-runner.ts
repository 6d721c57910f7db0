import { randomUUID } from 'node:crypto';
import type { FetchMethod, RemoteIdentityEvent } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { FactWriter } from './facts.ts';
import { classifyFailure } from './failure.ts';
import { RetrySchedule } from './retry-schedule.ts';

/** What one pass over a mailbox achieved, in the terms of the FetchCompleted fact. */
export interface FetchOutcome {
  /** Messages that the stream stored as new; republications it dropped are not counted. */
  fetched: number;
  bytes: number;
  uidValidity: string;
  lastUid: number;
  cancelled: boolean;
  /** The mailbox's running total of published messages, where the source keeps one. */
  total?: number;
}

/** Reports that a fetch's checkpoint moved: `total` messages published, up to `lastUid`. */
export type ProgressReporter = (total: number, lastUid: number) => Promise<void>;

export interface FetchRunnerOptions {
  facts: FactWriter;
  logger: Logger;
  mailbox: string;
  fetchMethod: FetchMethod;
  /**
   * Asks the session for another fetch. Called, after a growing pause, when a fetch failed in
   * a way that may pass by itself (NATS restarting, a server hiccup); not after a cancel.
   */
  retry?: () => void;
  retrySchedule?: RetrySchedule;
}

const RETRY_KEY = 'fetch';

/** A fetch that stopped because its session did, without anyone cancelling it. */
const INTERRUPTED = 'INTERRUPTED';

/**
 * Runs fetches one at a time and reports each as facts: FetchStarted, then FetchCompleted,
 * FetchFailed or FetchCancelAcknowledged. A cancel pauses fetching until `resume`, so that
 * the next trigger (new mail, a poll) does not undo what the user asked for.
 */
export class FetchRunner {
  private current: { cancel: RemoteIdentityEvent | undefined } | undefined;
  private pausedByCancel = false;
  private readonly retries: RetrySchedule;

  constructor(private readonly options: FetchRunnerOptions) {
    this.retries = options.retrySchedule ?? new RetrySchedule();
  }

  get paused(): boolean {
    return this.pausedByCancel;
  }

  resume(): void {
    this.pausedByCancel = false;
  }

  /** Stops the running fetch between two messages, or acknowledges at once when idle. */
  async cancel(cause: RemoteIdentityEvent): Promise<void> {
    this.pausedByCancel = true;
    if (this.current) {
      this.current.cancel = cause;
      return;
    }
    await this.options.facts.append(
      'FetchCancelAcknowledged',
      { fetch_id: null, mailbox: null, fetched: 0 },
      cause,
    );
  }

  /** The session is closing for `cause`: a running fetch ends as cancelled by it. */
  stopping(cause: RemoteIdentityEvent | undefined): void {
    this.retries.cancelAll();
    if (this.current && !this.current.cancel && cause) this.current.cancel = cause;
  }

  /**
   * Runs `sync`, which must poll `isCancelled` between messages; `stopped` also ends it, for
   * a session that closes without a cause to acknowledge. Never rejects.
   */
  async run(
    cause: RemoteIdentityEvent,
    sync: (isCancelled: () => boolean, progress: ProgressReporter) => Promise<FetchOutcome>,
    stopped: () => boolean = () => false,
  ): Promise<void> {
    try {
      await this.attempt(cause, sync, stopped);
    } catch (err) {
      // Only reporting fails here, once FactWriter's retries ran out: the event log stayed out
      // of reach for minutes. A rejection would be unhandled in the session's fetch loop and
      // end the process; the fetch is tried again later instead.
      this.current = undefined;
      this.options.logger.error({ err }, 'a fetch could not be reported');
      this.retryLater();
    }
  }

  private async attempt(
    cause: RemoteIdentityEvent,
    sync: (isCancelled: () => boolean, progress: ProgressReporter) => Promise<FetchOutcome>,
    stopped: () => boolean,
  ): Promise<void> {
    const { facts, logger, mailbox, fetchMethod } = this.options;
    const fetchId = randomUUID();
    const fetch: { cancel: RemoteIdentityEvent | undefined } = { cancel: undefined };
    this.current = fetch;
    await facts.append(
      'FetchStarted',
      { fetch_id: fetchId, mailbox, fetch_method: fetchMethod },
      cause,
    );
    const started = performance.now();
    try {
      let total: number | undefined;
      const progress: ProgressReporter = async (reached, lastUid) => {
        total = reached;
        await facts.append(
          'FetchProgressed',
          { fetch_id: fetchId, mailbox, total_fetched: reached, last_uid: lastUid },
          cause,
        );
      };
      const result = await sync(() => fetch.cancel !== undefined || stopped(), progress);
      total = result.total ?? total;
      const totals = total === undefined ? {} : { total_fetched: total };
      logger.info({ fetched: result.fetched, cancelled: result.cancelled }, 'fetch ended');
      if (fetch.cancel) {
        await facts.append(
          'FetchCancelAcknowledged',
          { fetch_id: fetchId, mailbox, fetched: result.fetched, ...totals },
          fetch.cancel,
        );
        return;
      }
      if (result.cancelled) {
        // Ending it here keeps `is_fetching` honest; the next session fetches the rest.
        const message = 'the session stopped during the fetch';
        await facts.append(
          'FetchFailed',
          {
            fetch_id: fetchId,
            mailbox,
            fetched: result.fetched,
            ...totals,
            code: INTERRUPTED,
            message,
          },
          cause,
        );
        return;
      }
      this.retries.succeeded(RETRY_KEY);
      await facts.append(
        'FetchCompleted',
        {
          fetch_id: fetchId,
          mailbox,
          fetched: result.fetched,
          bytes: result.bytes,
          duration_ms: Math.round(performance.now() - started),
          uid_validity: result.uidValidity,
          last_uid: result.lastUid,
          ...totals,
        },
        cause,
      );
    } catch (err) {
      if (fetch.cancel) {
        // Cut off by a cancel or a stop that did not wait for it: still the user's doing.
        await facts.append(
          'FetchCancelAcknowledged',
          { fetch_id: fetchId, mailbox, fetched: 0 },
          fetch.cancel,
        );
        return;
      }
      const failure = classifyFailure(err);
      logger.warn({ code: failure.code, err: failure.message }, 'fetch failed');
      await facts.append(
        'FetchFailed',
        { fetch_id: fetchId, mailbox, fetched: 0, code: failure.code, message: failure.message },
        cause,
      );
      // Nothing else would start the next fetch before new mail arrives, perhaps for days;
      // it resumes from the checkpoint, which moved only over confirmed publications.
      if (failure.transient) this.retryLater();
    } finally {
      this.current = undefined;
    }
  }

  private retryLater(): void {
    const { retry, logger } = this.options;
    if (!retry) return;
    logger.info({ retryInMs: this.retries.schedule(RETRY_KEY, retry) }, 'fetch will be retried');
  }
}
