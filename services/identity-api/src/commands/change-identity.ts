import type { StoredEvent } from '@ri/event-store';
import { VersionConflictError } from '@ri/event-store';
import { evolveIdentity, newEvent, type IdentityState, type RemoteIdentityEvent } from '@ri/events';
import { ApiError } from '../problems/api-error.ts';
import type { PendingEvent } from './decide-update.ts';
import { identityNotFound, loadIdentity, onLog, type IdentityLog } from './identity-log.ts';
import { pauseAfterConflict } from './conflict-pause.ts';

/** A client's condition on the identity's version, from `If-Match`. */
export interface VersionPrecondition {
  matches(sequence: number): boolean;
}

export interface EventMetadata {
  userId: string;
  correlationId: string;
  now: () => Date;
}

export interface ChangeIdentityOptions extends EventMetadata {
  log: IdentityLog;
  remoteIdentityId: string;
  /**
   * Decides the events from the current state; called again after every version conflict. May
   * be async, since sealing a secret reads the identity's data key.
   */
  decide: (state: IdentityState) => PendingEvent[] | Promise<PendingEvent[]>;
  precondition?: VersionPrecondition;
  /** Runs before each decided event is appended, on the state it is appended to; may refuse. */
  beforeAppend?: (state: IdentityState, pending: PendingEvent) => Promise<void>;
  /** Reads and decisions before giving up on a busy identity; 10 by default. */
  maxAttempts?: number;
}

export interface ChangeIdentityResult {
  state: IdentityState;
  /** The whole history, the events this change appended included. */
  history: StoredEvent[];
  /** The identity's last sequence after the change: its new version. */
  sequence: number;
  /** Every event this change appended, across attempts. */
  appended: RemoteIdentityEvent[];
}

/**
 * Loads an identity, decides, and appends each decided event on top of the sequence it read,
 * so that nothing is decided on a stale state. Connectors append facts to the same subject at
 * any time, so a conflict is normal: only the events that overtook the append are then read
 * and folded in, and the append is tried again at once on top of them. The window between
 * reading and appending is thus a few milliseconds, however long the history. A fact leaves
 * the state as it was and cannot change the decision, so it is not decided again; an event
 * that changed the state is decided on anew.
 *
 * With a precondition the client decided on a version itself (the identity's last sequence,
 * facts included, as its ETag says), and a moved version is its conflict (412) until one of our
 * events is in: after that the precondition has been honoured.
 */
// LIMITATION: NATS 2.9 can only expect the subject's last sequence, which facts move too. A
// connector appending facts back to back (one every ~0.3 ms on loopback, about one round trip)
// can still win all the attempts and cause CONCURRENT_UPDATE; one fact every 3 ms cannot.
export async function changeIdentity({
  log,
  remoteIdentityId,
  decide,
  precondition,
  beforeAppend,
  maxAttempts = 10,
  ...metadata
}: ChangeIdentityOptions): Promise<ChangeIdentityResult> {
  const appended: RemoteIdentityEvent[] = [];
  const loaded = await loadIdentity(log, remoteIdentityId, metadata.userId);
  let { state, sequence } = loaded;
  const history = [...loaded.history];
  // What is still to append; undefined when the state changed and must be decided on again.
  let pending: PendingEvent[] | undefined;
  // The decided event that `beforeAppend` accepted already: a fact overtaking its append leaves
  // the state as it was, and running the check again would only widen the window.
  let accepted: PendingEvent | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (precondition && appended.length === 0 && !precondition.matches(sequence)) {
      throw new ApiError(
        'VERSION_CONFLICT',
        `The identity is at version ${sequence}, not the one given in If-Match.`,
      );
    }
    try {
      pending ??= [...(await decide(state))];
      for (const next of [...pending]) {
        if (next !== accepted) await beforeAppend?.(state, next);
        accepted = next;
        const event = toEvent(next, remoteIdentityId, metadata);
        const result = await onLog(() => log.append(event, { expectedSequence: sequence }));
        pending.shift();
        sequence = result.sequence;
        history.push({ event, sequence });
        appended.push(event);
        state = evolveIdentity(state, event) ?? state;
      }
      return { state, history, sequence, appended };
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      await pauseAfterConflict(attempt);
      const overtaking = await onLog(() => log.readAfter(remoteIdentityId, sequence));
      const decidedOn = state;
      for (const stored of overtaking) {
        history.push(stored);
        sequence = stored.sequence;
        // `evolveIdentity` hands back the very same state for an event it does not fold.
        state = evolveIdentity(state, stored.event) ?? state;
      }
      if (state.deleted) throw identityNotFound(remoteIdentityId);
      if (state !== decidedOn) pending = undefined;
    }
  }
  throw new ApiError(
    'CONCURRENT_UPDATE',
    `The identity kept changing during ${maxAttempts} attempts; try again.`,
  );
}

/** Wraps a decided event in its envelope, stamped with the request's user, time and id. */
export function toEvent(
  pending: PendingEvent,
  remoteIdentityId: string,
  { userId, correlationId, now }: EventMetadata,
): RemoteIdentityEvent {
  // `newEvent` is generic per type; a union of pending events needs this one widening.
  return newEvent(pending.type, pending.data as never, {
    remote_identity_id: remoteIdentityId,
    user_id: userId,
    correlation_id: correlationId,
    causation_id: null,
    occurred_at: now().toISOString(),
  });
}
