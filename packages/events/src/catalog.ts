import { z } from 'zod';
import { connectorEventSchemas } from './connector-events.ts';
import { contactEventSchemas } from './contact-events.ts';
import {
  contactEnvelopeSchema,
  envelopeSchema,
  type ContactEventEnvelope,
  type EventEnvelope,
} from './envelope.ts';
import { identityEventSchemas } from './identity-events.ts';

/** Every event type that the identity log carries, with the schema of its current version. */
export const EVENT_SCHEMAS = { ...identityEventSchemas, ...connectorEventSchemas } as const;

/** The current schema version of each event type's `data`. */
export const CURRENT_VERSION = 1;

type Schemas = typeof EVENT_SCHEMAS;
export type EventType = keyof Schemas;
export type EventData<T extends EventType> = z.infer<Schemas[T]>;

/** A validated event: the union of every envelope, so that `switch (e.type)` narrows `data`. */
export type RemoteIdentityEvent = {
  [T in EventType]: EventEnvelope<T, EventData<T>>;
}[EventType];

export type EventOf<T extends EventType> = Extract<RemoteIdentityEvent, { type: T }>;

/** Every event type of a contact's subject; they travel in the contact envelope. */
export const CONTACT_EVENT_SCHEMAS = contactEventSchemas;

type ContactSchemas = typeof CONTACT_EVENT_SCHEMAS;
export type ContactEventType = keyof ContactSchemas;
export type ContactEventData<T extends ContactEventType> = z.infer<ContactSchemas[T]>;

/** A validated contact event; `switch (e.type)` narrows `data`. */
export type ContactEvent = {
  [T in ContactEventType]: ContactEventEnvelope<T, ContactEventData<T>>;
}[ContactEventType];

export type ContactEventOf<T extends ContactEventType> = Extract<ContactEvent, { type: T }>;

/** Anything the identity stream holds: an identity's event or a contact's. */
export type LogEvent = RemoteIdentityEvent | ContactEvent;

export class EventSchemaError extends Error {
  readonly code = 'EVENT_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventSchemaError';
  }
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

export function isContactEventType(type: string): type is ContactEventType {
  return Object.hasOwn(CONTACT_EVENT_SCHEMAS, type);
}

export function isContactEvent(event: LogEvent): event is ContactEvent {
  return isContactEventType(event.type);
}

/**
 * Validates an envelope read from the log. Unknown types are refused rather than passed on,
 * since a reader cannot evolve state from an event it does not understand.
 */
export function parseEvent(raw: unknown): RemoteIdentityEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new EventSchemaError(`invalid envelope: ${z.prettifyError(envelope.error)}`);
  }
  const { type, version } = envelope.data;
  if (!isEventType(type)) throw new EventSchemaError(`unknown event type ${type}`);
  if (version > CURRENT_VERSION) {
    throw new EventSchemaError(`${type} version ${version} is newer than this reader`);
  }
  const data = EVENT_SCHEMAS[type].safeParse(envelope.data.data);
  if (!data.success) {
    throw new EventSchemaError(`invalid ${type} data: ${z.prettifyError(data.error)}`);
  }
  return { ...envelope.data, type, data: data.data } as RemoteIdentityEvent;
}

/** Validates a contact's event read from the log, as `parseEvent` does for an identity's. */
export function parseContactEvent(raw: unknown): ContactEvent {
  const envelope = contactEnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new EventSchemaError(`invalid contact envelope: ${z.prettifyError(envelope.error)}`);
  }
  const { type, version } = envelope.data;
  if (!isContactEventType(type)) throw new EventSchemaError(`unknown contact event type ${type}`);
  if (version > CURRENT_VERSION) {
    throw new EventSchemaError(`${type} version ${version} is newer than this reader`);
  }
  const data = CONTACT_EVENT_SCHEMAS[type].safeParse(envelope.data.data);
  if (!data.success) {
    throw new EventSchemaError(`invalid ${type} data: ${z.prettifyError(data.error)}`);
  }
  return { ...envelope.data, type, data: data.data } as ContactEvent;
}

/**
 * Validates any message of the identity stream. The type decides the envelope: contact event
 * types and identity event types never share a name.
 */
export function parseLogEvent(raw: unknown): LogEvent {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && isContactEventType(type)) return parseContactEvent(raw);
  return parseEvent(raw);
}
