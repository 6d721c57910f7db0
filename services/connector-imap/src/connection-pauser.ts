import type { KV } from '@nats-io/kv';
import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { EventLog } from '@ri/event-store';
import type { Logger } from '@ri/logging';
import type { FactWriter } from './facts.ts';
import { decidePause } from './pause-policy.ts';

export interface ConnectionPauserOptions {
  log: EventLog;
  /** The identities to bring back at start; a paused one leaves it until it is resumed. */
  wanted: KV;
  logger: Logger;
  now: () => Date;
  pauseAfterMs: number;
}

/** Stops the retries of an identity that has failed for too long, and says so in its log. */
export class ConnectionPauser {
  constructor(private readonly options: ConnectionPauserOptions) {}

  /**
   * Called after a failure that would be retried: appends `ConnectionPaused` when the streak,
   * read again from the log with that failure in it, has lasted long enough. Answers whether
   * the identity is now paused, in which case no retry must follow.
   */
  async pauseIfDue(
    state: IdentityState,
    facts: FactWriter,
    cause: RemoteIdentityEvent,
  ): Promise<boolean> {
    const { log, wanted, logger, now, pauseAfterMs } = this.options;
    const id = state.remote_identity_id;
    const history = (await log.read(id)).map((s) => s.event);
    const pause = decidePause(history, { now: now(), pauseAfterMs });
    if (!pause) return false;
    await facts.append('ConnectionPaused', pause, cause);
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
}
