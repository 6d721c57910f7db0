import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import {
  DEFAULT_TOPOLOGY,
  parseContactEvent,
  parseEvent,
  parseLogEvent,
  type ContactEvent,
  type LogEvent,
  type RemoteIdentityEvent,
  type Topology,
} from '@ri/events';
import { VersionConflictError } from './errors.ts';

export interface StoredEvent {
  event: RemoteIdentityEvent;
  /** The event's sequence in the identity stream: a global, gap-tolerant position. */
  sequence: number;
}

export interface StoredContactEvent {
  event: ContactEvent;
  /** The event's sequence in the identity stream, which contacts share with identities. */
  sequence: number;
}

export interface AppendOptions {
  /**
   * The identity's last stream sequence that the writer decided on; 0 means the identity must
   * have no events yet. Omitted: append whatever came before (facts a connector observed).
   */
  expectedSequence?: number;
}

export interface AppendResult {
  sequence: number;
  /** True when the server had this event id already and kept the first copy. */
  duplicate: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The identity event log on JetStream: one subject per identity, and one per contact in the
 * same stream.
 */
export class EventLog {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly topology: Topology = DEFAULT_TOPOLOGY,
  ) {}

  /** Appends one event; the event id is the message id, so a retried append is dropped. */
  append(event: RemoteIdentityEvent, options: AppendOptions = {}): Promise<AppendResult> {
    return this.publish(this.topology.identitySubject(event.remote_identity_id), event, options);
  }

  /** Appends one event of a contact, with the same guarantees as `append`. */
  appendContact(event: ContactEvent, options: AppendOptions = {}): Promise<AppendResult> {
    return this.publish(this.topology.contactSubject(event.contact_id), event, options);
  }

  /** The sequence of the identity's last event, or 0 when it has none. */
  lastSequence(remoteIdentityId: string): Promise<number> {
    return this.lastSequenceOf(this.topology.identitySubject(remoteIdentityId));
  }

  /** Reads the identity's whole history in order, as an aggregate is loaded. */
  read(remoteIdentityId: string): Promise<StoredEvent[]> {
    return this.readSubject(this.topology.identitySubject(remoteIdentityId), parseEvent);
  }

  /**
   * Reads the identity's events after `sequence` in order, up to the last one the server held
   * when it delivered them: a writer that lost an append catches up on what overtook it
   * without reading the whole history again. Empty when nothing follows `sequence`.
   */
  readAfter(remoteIdentityId: string, sequence: number): Promise<StoredEvent[]> {
    return this.readSubject(this.topology.identitySubject(remoteIdentityId), parseEvent, sequence);
  }

  /** Reads the contact's whole history in order; empty when the contact has none. */
  readContact(contactId: string): Promise<StoredContactEvent[]> {
    return this.readSubject(this.topology.contactSubject(contactId), parseContactEvent);
  }

  private async publish(
    subject: string,
    event: LogEvent,
    options: AppendOptions,
  ): Promise<AppendResult> {
    try {
      const ack = await this.js.publish(subject, encoder.encode(JSON.stringify(event)), {
        msgID: event.event_id,
        ...(options.expectedSequence === undefined
          ? {}
          : { expect: { lastSubjectSequence: options.expectedSequence } }),
      });
      return { sequence: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (isWrongLastSequence(err) && options.expectedSequence !== undefined) {
        throw new VersionConflictError(subject, options.expectedSequence, { cause: err });
      }
      throw err;
    }
  }

  private async lastSequenceOf(subject: string): Promise<number> {
    const msg = await this.jsm.streams.getMessage(this.topology.identityStream, {
      last_by_subj: subject,
    });
    return msg?.seq ?? 0;
  }

  private async readSubject<T>(
    subject: string,
    parse: (raw: unknown) => T,
    after = 0,
  ): Promise<{ event: T; sequence: number }[]> {
    // Without this check a subject with nothing after `after` would wait for a message forever.
    const last = await this.lastSequenceOf(subject);
    if (last <= after) return [];
    const consumer = await this.js.consumers.get(this.topology.identityStream, {
      filter_subjects: subject,
      ...(after === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }),
    });
    const events: { event: T; sequence: number }[] = [];
    const messages = await consumer.consume();
    try {
      for await (const msg of messages) {
        events.push({ event: parse(JSON.parse(decoder.decode(msg.data))), sequence: msg.seq });
        // Stopping when nothing was pending at delivery, rather than at `last`, also takes in
        // what was appended meanwhile: the reader is as fresh as the server could make it.
        if (msg.seq >= last && msg.info.pending === 0) break;
      }
    } finally {
      await messages.close();
    }
    return events;
  }
}

function isWrongLastSequence(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return err.code === JetStreamApiCodes.StreamWrongLastSequence;
  }
  return /wrong last sequence/i.test(String(err));
}

/** Decodes an event message's payload; shared by every consumer of the identity stream. */
export function decodeEvent(data: Uint8Array): RemoteIdentityEvent {
  return parseEvent(JSON.parse(decoder.decode(data)));
}

/** Decodes any message of the identity stream, a contact's included; for the projection. */
export function decodeLogEvent(data: Uint8Array): LogEvent {
  return parseLogEvent(JSON.parse(decoder.decode(data)));
}
