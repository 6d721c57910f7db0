import type { KV } from '@nats-io/kv';
import { newEvent, type IdentityState, type RemoteIdentityEvent } from '@ri/events';
import { VersionConflictError, type EventLog } from '@ri/event-store';
import type { Logger } from '@ri/logging';
import { decidePause } from './pause-policy.ts';

export interface ConnectionPauserOptions {
  log: Pick<EventLog, 'read' | 'append'>;
  /** The identities to bring back at start; a paused one leaves it until it is resumed. */
  wanted: KV;
  logger: Logger;
  now: () => Date;
  pauseAfterMs: number;
}

/** Tries before giving up on a pause whose history kept moving; the next failure decides again. */
const ATTEMPTS = 3;

/** Stops the retries of an identity that has failed for too long, and says so in its log. */
export class ConnectionPauser {
  constructor(private readonly options: ConnectionPauserOptions) {}

  /**
   * Called after a failure that would be retried: appends `ConnectionPaused` when the streak,
   * read again from the log with that failure in it, has lasted long enough. Answers whether
   * the identity is now paused, in which case no retry must follow.
   *
   * Unlike a fact, the pause is a decision on the history it read, so it is appended only if
   * nothing came after: a request the user made meanwhile must not end up before the pause
   * that it would have ended. On a conflict it reads and decides again.
   */
  async pauseIfDue(state: IdentityState, cause: RemoteIdentityEvent): Promise<boolean> {
    const { log, wanted, logger, now, pauseAfterMs } = this.options;
    const id = state.remote_identity_id;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const stored = await log.read(id);
      const at = now();
      const pause = decidePause(
        stored.map((s) => s.event),
        { now: at, pauseAfterMs },
      );
      if (!pause) return false;
      const event = newEvent('ConnectionPaused', pause, {
        remote_identity_id: id,
        user_id: state.user_id,
        correlation_id: cause.correlation_id,
        causation_id: cause.event_id,
        occurred_at: at.toISOString(),
      });
      try {
        await log.append(event, { expectedSequence: stored.at(-1)?.sequence ?? 0 });
      } catch (err) {
        if (err instanceof VersionConflictError) continue;
        // Not recorded (NATS away?): the identity is retried as before, and the next failure
        // decides on the pause again.
        logger.warn({ err, remote_identity_id: id }, 'pause not recorded; retrying instead');
        return false;
      }
      await wanted.delete(id);
      logger.warn(
        {
          remote_identity_id: id,
          correlation_id: cause.correlation_id,
          failing_since: pause.failing_since,
          code: pause.code,
        },
        'connection paused',
      );
      return true;
    }
    return false;
  }
}
