import type { EventLog, StoredEvent } from '@ri/event-store';
import { VersionConflictError } from '@ri/event-store';
import { EventSchemaError, foldIdentity, type IdentityState } from '@ri/events';
import { ApiError } from '../problems/api-error.ts';

/**
 * The part of the event log that the API writes through, identities' and contacts' subjects;
 * `EventLog` is the real one.
 */
export type IdentityLog = Pick<
  EventLog,
  'append' | 'read' | 'readAfter' | 'appendContact' | 'readContact'
>;

/**
 * Runs a call on the event log. A version conflict and an unreadable event keep their meaning;
 * anything else is the log being out of reach (NATS down, a request timing out), which the
 * client can retry, hence 503 rather than 500.
 */
export async function onLog<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof VersionConflictError || err instanceof EventSchemaError) throw err;
    if (err instanceof ApiError) throw err;
    throw new ApiError('LOG_UNAVAILABLE', 'The event log cannot be reached; try again.', {
      cause: err,
    });
  }
}

export interface LoadedIdentity {
  state: IdentityState;
  history: StoredEvent[];
  /** The stream sequence of the identity's last event: its version. */
  sequence: number;
}

export function identityNotFound(remoteIdentityId: string): ApiError {
  return new ApiError('IDENTITY_NOT_FOUND', `No remote identity ${remoteIdentityId}.`);
}

/**
 * Loads one user's identity from its history. Another user's identity answers exactly like a
 * missing one, so that ids cannot be probed.
 */
export async function loadIdentity(
  log: IdentityLog,
  remoteIdentityId: string,
  userId: string,
): Promise<LoadedIdentity> {
  const history = await onLog(() => log.read(remoteIdentityId));
  const state = foldIdentity(history.map((stored) => stored.event));
  const last = history.at(-1);
  if (!state || !last || state.deleted || state.user_id !== userId) {
    throw identityNotFound(remoteIdentityId);
  }
  return { state, history, sequence: last.sequence };
}
