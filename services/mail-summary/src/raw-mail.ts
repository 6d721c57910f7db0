import type { MsgHdrs } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import { MAIL_HEADERS } from '@ri/events';
import type { RawMailFacts } from './summarise.ts';

/** A message of the mail stream as the summariser reads it. */
export interface MailStreamMessage {
  seq: number;
  subject: string;
  headers?: MsgHdrs | undefined;
  data: Uint8Array;
}

/** The mail stream message lacks what names it, so no summary could say what it summarises. */
export class UnreadableMailError extends Error {
  readonly code = 'MAIL_UNREADABLE';
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableMailError';
  }
}

/** Reads what the connector's `Ri-*` headers say of a raw message. */
export function readMailFacts(msg: MailStreamMessage): RawMailFacts {
  const h = msg.headers;
  const identityId = h?.get(MAIL_HEADERS.identity) || msg.subject.split('.').at(-1) || '';
  const uid = Number(h?.get(MAIL_HEADERS.uid));
  if (!identityId || !Number.isSafeInteger(uid) || uid < 0) {
    throw new UnreadableMailError(`mail stream message ${msg.seq} has no identity or uid`);
  }
  const size = Number(h?.get(MAIL_HEADERS.size));
  const uidl = h?.get(MAIL_HEADERS.uidl);
  return {
    identityId,
    mailbox: decodeMailbox(h?.get(MAIL_HEADERS.mailbox) ?? ''),
    uidValidity: h?.get(MAIL_HEADERS.uidValidity) ?? '',
    uid,
    ...(uidl ? { uidl } : {}),
    flags: (h?.get(MAIL_HEADERS.flags) ?? '').split(' ').filter(Boolean),
    size: Number.isSafeInteger(size) && size >= 0 ? size : msg.data.length,
    rawSequence: msg.seq,
  };
}

/**
 * The raw bytes: the payload, or the object store entry that `Ri-Blob` names. Null when that
 * entry is gone (deleted by an operator, say), which no retry can mend.
 */
export async function readMailBody(
  msg: MailStreamMessage,
  blobs: () => Promise<ObjectStore>,
): Promise<Uint8Array | null> {
  const name = msg.headers?.get(MAIL_HEADERS.blob);
  if (!name) return msg.data;
  return (await blobs()).getBlob(name);
}

function decodeMailbox(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    // Not written by our connector; the name as it came is the best there is.
    return encoded;
  }
}
