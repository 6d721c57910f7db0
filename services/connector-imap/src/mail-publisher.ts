import { createHash } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import { MAIL_HEADERS, mailMessageId, type MailFlagsChanged, type Topology } from '@ri/events';

/** One message as fetched from a mailbox, raw RFC 822 bytes as the server sent them. */
export interface FetchedMail {
  identityId: string;
  mailbox: string;
  uidValidity: string;
  uid: number;
  source: Uint8Array;
  flags: string[];
  /**
   * POP3 only: the server's unique id. It then names the message instead of its place, since a
   * POP3 message number changes whenever an earlier message is deleted.
   */
  uidl?: string;
  /** The raw message's SHA-256, hex, when the caller computed it already. */
  sha256?: string;
}

export interface MailPublisherOptions {
  js: JetStreamClient;
  blobs: ObjectStore;
  /** The server's max_payload; bodies that would not fit go to the object store. */
  maxPayload: number;
  topology: Topology;
}

/** Room left in a payload for the headers that travel with it. */
const HEADER_ROOM = 4096;

/**
 * Publishes fetched mail to the mail stream. The message id names the message's place in its
 * mailbox, so a re-publication after a crash is dropped by the stream instead of duplicated.
 */
export class MailPublisher {
  private readonly js: JetStreamClient;
  private readonly blobs: ObjectStore;
  private readonly inlineLimit: number;
  private readonly topology: Topology;

  constructor({ js, blobs, maxPayload, topology }: MailPublisherOptions) {
    this.topology = topology;
    this.js = js;
    this.blobs = blobs;
    this.inlineLimit = Math.max(0, maxPayload - HEADER_ROOM);
  }

  async publish(mail: FetchedMail): Promise<{ sequence: number; duplicate: boolean }> {
    const id = mailMessageId(mail);
    const h = headers();
    h.set(MAIL_HEADERS.identity, mail.identityId);
    h.set(MAIL_HEADERS.mailbox, encodeURIComponent(mail.mailbox));
    h.set(MAIL_HEADERS.uidValidity, mail.uidValidity);
    h.set(MAIL_HEADERS.uid, String(mail.uid));
    h.set(MAIL_HEADERS.size, String(mail.source.length));
    if (mail.flags.length > 0) h.set(MAIL_HEADERS.flags, mail.flags.join(' '));
    if (mail.uidl !== undefined) h.set(MAIL_HEADERS.uidl, mail.uidl);
    h.set(MAIL_HEADERS.sha256, mail.sha256 ?? contentHash(mail.source));
    let payload = mail.source;
    if (mail.source.length > this.inlineLimit) {
      // Stored first, referenced second: a reader never sees a reference to a missing body.
      await this.blobs.putBlob({ name: id }, mail.source);
      h.set(MAIL_HEADERS.blob, id);
      payload = new Uint8Array(0);
    }
    const ack = await this.js.publish(this.topology.mailSubject(mail.identityId), payload, {
      msgID: id,
      headers: h,
    });
    return { sequence: ack.seq, duplicate: ack.duplicate };
  }

  /** Publishes a flags change; the same change published twice is dropped by its id. */
  async publishFlags(change: FlagsChange): Promise<void> {
    const h = headers();
    h.set(MAIL_HEADERS.identity, change.identityId);
    h.set(MAIL_HEADERS.mailbox, encodeURIComponent(change.mailbox));
    h.set(MAIL_HEADERS.uidValidity, change.uidValidity);
    h.set(MAIL_HEADERS.uid, String(change.uid));
    const payload: MailFlagsChanged = {
      version: 1,
      mailbox: change.mailbox,
      uid_validity: change.uidValidity,
      uid: change.uid,
      flags: change.flags,
      modseq: String(change.modseq),
    };
    await this.js.publish(this.topology.flagsSubject(change.identityId), JSON.stringify(payload), {
      msgID: `${mailMessageId(change)}/flags/${change.modseq}`,
      headers: h,
    });
  }
}

/** A flags change of a message published before, as the IMAP server reported it. */
export interface FlagsChange {
  identityId: string;
  mailbox: string;
  uidValidity: string;
  uid: number;
  flags: string[];
  modseq: bigint;
}

/** The content hash that the mail stream carries in MAIL_HEADERS.sha256. */
export function contentHash(source: Uint8Array): string {
  return createHash('sha256').update(source).digest('hex');
}

/**
 * A message's flags as published: without \\Recent, which tells only the session that saw it
 * first (RFC 3501) and would make every new connection look like a change.
 */
export function lastingFlags(flags: Iterable<string> | undefined): string[] {
  return [...(flags ?? [])].filter((flag) => flag !== '\\Recent');
}
