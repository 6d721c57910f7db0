import { randomUUID } from 'node:crypto';
import type { FetchMethod, RemoteIdentityEvent } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { FactWriter } from './facts.ts';
import { classifyFailure, type ClassifiedFailure } from './failure.ts';

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
  fetchMethod: FetchMethod;
}

interface RunningFetch {
  cancel: RemoteIdentityEvent | undefined;
}

/** A fetch that stopped because its session did, without anyone cancelling it. */
const INTERRUPTED = 'INTERRUPTED';

/**
 * Runs fetches and reports each as facts: FetchStarted, then FetchCompleted, FetchFailed or
 * FetchCancelAcknowledged. Fetches of different mailboxes may run at once (INBOX beside a poll
 * of the other folders); each has its own fetch id. A cancel stops them all and pauses fetching
 * until `resume`, so that the next trigger (new mail, a poll) does not undo what the user asked.
 */
export class FetchRunner {
  private readonly running = new Set<RunningFetch>();
  private pausedByCancel = false;

  constructor(private readonly options: FetchRunnerOptions) {}

  get paused(): boolean {
    return this.pausedByCancel;
  }

  resume(): void {
    this.pausedByCancel = false;
  }

  /** Starts out paused: the user's last cancel still holds (a session restored after it). */
  pause(): void {
    this.pausedByCancel = true;
  }

  /** Stops the running fetches between two messages, or acknowledges at once when idle. */
  async cancel(cause: RemoteIdentityEvent): Promise<void> {
    this.pausedByCancel = true;
    if (this.running.size > 0) {
      for (const fetch of this.running) fetch.cancel = cause;
      return;
    }
    await this.options.facts.append(
      'FetchCancelAcknowledged',
      { fetch_id: null, mailbox: null, fetched: 0 },
      cause,
    );
  }

  /** The session is closing for `cause`: running fetches end as cancelled by it. */
  stopping(cause: RemoteIdentityEvent | undefined): void {
    if (!cause) return;
    for (const fetch of this.running) fetch.cancel ??= cause;
  }

  /**
   * Runs `sync` over `mailbox`; `sync` must poll `isCancelled` between messages. `stopped`
   * also ends it, for a session that closes without a cause to acknowledge. Answers the
   * failure that ended it, reported as FetchFailed, so that the session can try again. Never
   * rejects.
   */
  async run(
    cause: RemoteIdentityEvent,
    mailbox: string,
    sync: (isCancelled: () => boolean, progress: ProgressReporter) => Promise<FetchOutcome>,
    stopped: () => boolean = () => false,
  ): Promise<ClassifiedFailure | undefined> {
    const fetch: RunningFetch = { cancel: undefined };
    this.running.add(fetch);
    try {
      return await this.attempt(fetch, cause, mailbox, sync, stopped);
    } catch (err) {
      // Only reporting fails here, once FactWriter's resends ran out: the event log stayed out
      // of reach for minutes. A rejection would go unhandled in a session's fetch loop and end
      // the process; the session takes it as a failure that may pass, and tries again later.
      this.options.logger.error({ err }, 'a fetch could not be reported');
      return { ...classifyFailure(err), transient: true };
    } finally {
      this.running.delete(fetch);
    }
  }

  private async attempt(
    fetch: RunningFetch,
    cause: RemoteIdentityEvent,
    mailbox: string,
    sync: (isCancelled: () => boolean, progress: ProgressReporter) => Promise<FetchOutcome>,
    stopped: () => boolean,
  ): Promise<ClassifiedFailure | undefined> {
    const { facts, logger, fetchMethod } = this.options;
    const fetchId = randomUUID();
    await facts.append(
      'FetchStarted',
      { fetch_id: fetchId, mailbox, fetch_method: fetchMethod },
      cause,
    );
    const started = performance.now();
    // The running total as last reported: what a failed fetch had published still counts.
    let total: number | undefined;
    try {
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
      logger.info({ mailbox, fetched: result.fetched, cancelled: result.cancelled }, 'fetch ended');
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
        return undefined;
      }
      const failure = classifyFailure(err);
      logger.warn({ code: failure.code, err: failure.message }, 'fetch failed');
      await facts.append(
        'FetchFailed',
        {
          fetch_id: fetchId,
          mailbox,
          fetched: 0,
          ...(total === undefined ? {} : { total_fetched: total }),
          code: failure.code,
          message: failure.message,
        },
        cause,
      );
      return failure;
    }
  }
}
