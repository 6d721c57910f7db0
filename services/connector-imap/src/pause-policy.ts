import { pauseInForce, type EventData, type EventOf, type RemoteIdentityEvent } from '@ri/events';

/** How long an identity may fail without a connection before its retries stop: 72 hours. */
export const DEFAULT_PAUSE_AFTER_MS = 72 * 3600_000;

/**
 * What makes failures count afresh: a connection, a pause (after a resume, the identity gets
 * the whole threshold again), new params (failures with the old ones say nothing about them)
 * and a disconnection (time without a wanted connection is not time spent failing). A
 * connection request alone does not, or a client that asks on every start would never let an
 * identity pause.
 */
const ENDS_STREAK = new Set<RemoteIdentityEvent['type']>([
  'Connected',
  'ConnectionPaused',
  'RemoteIdentityUpdated',
  'DisconnectionRequested',
  'RemoteIdentityDeleted',
]);

export interface FailureStreak {
  first: EventOf<'ConnectionFailed'>;
  last: EventOf<'ConnectionFailed'>;
  /** A connection request came after the last failure, and has not been tried yet. */
  requestPending: boolean;
}

/** The failures since the streak last ended, read from the identity's history. */
export function failureStreak(history: Iterable<RemoteIdentityEvent>): FailureStreak | undefined {
  let streak: FailureStreak | undefined;
  for (const event of history) {
    if (event.type === 'ConnectionFailed') {
      streak = { first: streak?.first ?? event, last: event, requestPending: false };
    } else if (event.type === 'ConnectionRequested') {
      if (streak) streak = { ...streak, requestPending: true };
    } else if (ENDS_STREAK.has(event.type)) {
      streak = undefined;
    }
  }
  return streak;
}

export interface PauseDecisionOptions {
  now: Date;
  pauseAfterMs: number;
}

/**
 * The `ConnectionPaused` to append when the identity has failed, without a connection, for
 * `pauseAfterMs` or longer; nothing otherwise, or when a pause is already in force. The
 * streak comes from the log, so a restart of the connector neither resets nor extends it.
 */
export function decidePause(
  history: readonly RemoteIdentityEvent[],
  { now, pauseAfterMs }: PauseDecisionOptions,
): EventData<'ConnectionPaused'> | undefined {
  if (pauseInForce(history)) return undefined;
  const streak = failureStreak(history);
  // A request the user made since the last failure deserves its own try: a pause now would
  // end up after it in the log and swallow it.
  if (!streak || streak.requestPending) return undefined;
  const failingSince = streak.first.occurred_at;
  if (now.getTime() - Date.parse(failingSince) < pauseAfterMs) return undefined;
  const { connector, code, message, user_action } = streak.last.data;
  return {
    connector,
    failing_since: failingSince,
    code,
    message,
    // The failure may be one that passes by itself; once paused, only the user can help.
    user_action:
      user_action === undefined || user_action === 'none' ? 'check_settings' : user_action,
  };
}
