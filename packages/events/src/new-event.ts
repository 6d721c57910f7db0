import { randomUUID } from 'node:crypto';
import {
  CONTACT_EVENT_SCHEMAS,
  CURRENT_VERSION,
  EVENT_SCHEMAS,
  type ContactEventData,
  type ContactEventOf,
  type ContactEventType,
  type EventData,
  type EventOf,
  type EventType,
} from './catalog.ts';

export interface EventContext {
  remote_identity_id: string;
  user_id: string;
  correlation_id: string;
  causation_id: string | null;
  /** The clock is passed in, so that this package never reads it itself. */
  occurred_at: string;
  event_id?: string;
}

/** Builds a validated envelope; throws if `data` does not match the type's schema. */
export function newEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  context: EventContext,
): EventOf<T> {
  const parsed = EVENT_SCHEMAS[type].parse(data);
  return {
    event_id: context.event_id ?? randomUUID(),
    type,
    version: CURRENT_VERSION,
    remote_identity_id: context.remote_identity_id,
    user_id: context.user_id,
    occurred_at: context.occurred_at,
    correlation_id: context.correlation_id,
    causation_id: context.causation_id,
    data: parsed,
  } as EventOf<T>;
}

export interface ContactEventContext extends Omit<EventContext, 'remote_identity_id'> {
  contact_id: string;
}

/** Builds a validated contact envelope; throws if `data` does not match the type's schema. */
export function newContactEvent<T extends ContactEventType>(
  type: T,
  data: ContactEventData<T>,
  context: ContactEventContext,
): ContactEventOf<T> {
  const parsed = CONTACT_EVENT_SCHEMAS[type].parse(data);
  return {
    event_id: context.event_id ?? randomUUID(),
    type,
    version: CURRENT_VERSION,
    contact_id: context.contact_id,
    user_id: context.user_id,
    occurred_at: context.occurred_at,
    correlation_id: context.correlation_id,
    causation_id: context.causation_id,
    data: parsed,
  } as ContactEventOf<T>;
}
