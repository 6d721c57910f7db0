import { VersionConflictError, type StoredContactEvent } from '@ri/event-store';
import {
  evolveContact,
  foldContact,
  newContactEvent,
  type ContactEvent,
  type ContactEventData,
  type ContactEventType,
  type ContactState,
} from '@ri/events';
import type { EventMetadata } from '../commands/change-identity.ts';
import { onLog, type IdentityLog } from '../commands/identity-log.ts';
import { ApiError } from '../problems/api-error.ts';
import { contactNotFound } from './contact-id.ts';
import { pauseAfterConflict } from '../commands/conflict-pause.ts';

/** A contact event decided but not yet in the log. */
export type PendingContactEvent = {
  [T in ContactEventType]: { type: T; data: ContactEventData<T> };
}[ContactEventType];

export interface LoadedContact {
  /** Undefined while the contact has no events. */
  state: ContactState | undefined;
  /** The contact's last stream sequence, 0 when it has none: the expected one of an append. */
  sequence: number;
}

/** Loads the caller's contact from its history; another user's answers as a missing one. */
export async function loadContact(
  log: IdentityLog,
  contactId: string,
  userId: string,
): Promise<LoadedContact> {
  const history: StoredContactEvent[] = await onLog(() => log.readContact(contactId));
  const state = foldContact(history.map((stored) => stored.event));
  if (state && state.user_id !== userId) throw contactNotFound(contactId);
  return { state, sequence: history.at(-1)?.sequence ?? 0 };
}

export interface ChangeContactOptions extends EventMetadata {
  log: IdentityLog;
  contactId: string;
  /** Decides from the current state; called again after every version conflict. */
  decide: (state: ContactState | undefined) => PendingContactEvent[];
  /** Reads and decisions before giving up; 10 by default. */
  maxAttempts?: number;
}

export interface ChangeContactResult {
  /** The contact before this change's events, as the last decision saw it. */
  before: ContactState | undefined;
  after: ContactState | undefined;
  sequence: number;
  appended: ContactEvent[];
}

/**
 * Loads a contact, decides and appends on top of the sequence it read, as `changeIdentity`
 * does for an identity: a concurrent change (another request, an identity being bound) makes
 * the append conflict, and the change is read and decided again.
 */
export async function changeContact({
  log,
  contactId,
  decide,
  maxAttempts = 10,
  ...metadata
}: ChangeContactOptions): Promise<ChangeContactResult> {
  const appended: ContactEvent[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const loaded = await loadContact(log, contactId, metadata.userId);
    let { state, sequence } = loaded;
    try {
      for (const pending of decide(state)) {
        const event = toContactEvent(pending, contactId, metadata);
        sequence = (await onLog(() => log.appendContact(event, { expectedSequence: sequence })))
          .sequence;
        appended.push(event);
        state = evolveContact(state, event);
      }
      return { before: loaded.state, after: state, sequence, appended };
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      await pauseAfterConflict(attempt);
    }
  }
  throw new ApiError(
    'CONCURRENT_UPDATE',
    `The contact kept changing during ${maxAttempts} attempts; try again.`,
  );
}

function toContactEvent(
  pending: PendingContactEvent,
  contactId: string,
  { userId, correlationId, now }: EventMetadata,
): ContactEvent {
  // `newContactEvent` is generic per type; a union of pending events needs this one widening.
  return newContactEvent(pending.type, pending.data as never, {
    contact_id: contactId,
    user_id: userId,
    correlation_id: correlationId,
    causation_id: null,
    occurred_at: now().toISOString(),
  });
}
