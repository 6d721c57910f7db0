import {
  MAIL_SUMMARY_VERSION,
  type MailAddress,
  type MailAttachment,
  type MailPlace,
  type MailSummary,
} from '@ri/events';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { headerEnd, repairHeaderBytes } from './header-bytes.ts';
import { storableText } from './storable-text.ts';

/** What the mail stream says of a raw message beside its bytes. */
export interface RawMailFacts extends MailPlace {
  flags: string[];
  size: number;
  rawSequence: number;
}

export interface SummariseOptions {
  /**
   * Messages larger than this are summarised from their headers alone, with a `parse_error`,
   * so that one huge message cannot hold the service's memory or time. Default 64 MiB.
   */
  maxParseBytes?: number;
}

/** Longest subject, Message-ID or file name kept; RFC 5322 lines stop at 998 characters. */
const MAX_TEXT = 998;
/** Longest display name or address kept; an address has at most 254 characters. */
const MAX_ADDRESS_TEXT = 320;
/**
 * Entries kept per address list and of attachments. With the text limits this keeps a summary
 * far below NATS's default 1 MB payload, whatever the message holds.
 */
const MAX_ENTRIES = 200;
/** Header bytes read when the whole message cannot be parsed. */
const MAX_HEADER_BYTES = 256 * 1024;
const BLANK_LINE = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a]);

// LIMITATION: parsing runs on the service's event loop and nothing pre-empts it. postal-mime
// works in linear time and `maxParseBytes` bounds the input, so one message costs at most about
// a second; a parser bug that looped would still hold the service until it is restarted (the
// redelivery count then sets the message aside). A worker thread with a deadline would not.
/**
 * Summarises a raw RFC 822 message. Never rejects: a message that cannot be parsed whole
 * gets what its headers alone give, and `parse_error` says what went wrong.
 */
export async function summariseMail(
  raw: Uint8Array,
  facts: RawMailFacts,
  { maxParseBytes = 64 * 1024 * 1024 }: SummariseOptions = {},
): Promise<MailSummary> {
  const bytes = repairHeaderBytes(raw);
  if (raw.length > maxParseBytes) {
    const email = await parseHeadersOnly(bytes);
    const limit = `${raw.length} bytes exceed the ${maxParseBytes}-byte limit`;
    return fromEmail(facts, email, `only the headers were read: ${limit}`);
  }
  try {
    return fromEmail(facts, await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer' }));
  } catch (err) {
    const email = await parseHeadersOnly(bytes);
    return fromEmail(facts, email, `MIME parsing failed: ${describe(err)}`);
  }
}

/** A summary of a message whose bytes were not parsed at all, saying why. */
export function unparsedSummary(facts: RawMailFacts, reason: string): MailSummary {
  return fromEmail(facts, null, reason);
}

async function parseHeadersOnly(bytes: Uint8Array): Promise<Email | null> {
  let end = Math.min(headerEnd(bytes), MAX_HEADER_BYTES);
  // A cut header block ends at its last whole line.
  if (end < bytes.length && bytes[end] !== 0x0a) end = bytes.lastIndexOf(0x0a, end) + 1;
  try {
    return await PostalMime.parse(Buffer.concat([bytes.subarray(0, end), BLANK_LINE]));
  } catch {
    return null;
  }
}

function fromEmail(facts: RawMailFacts, email: Email | null, parseError?: string): MailSummary {
  const to = addresses(email?.to);
  const cc = addresses(email?.cc);
  const attachments = (email?.attachments ?? []).map((a): MailAttachment => ({
    filename: a.filename === null ? null : storableText(a.filename, MAX_TEXT),
    content_type: storableText(a.mimeType, MAX_TEXT),
    size: byteLength(a.content),
  }));
  const truncated = [to, cc, attachments].some((list) => list.length > MAX_ENTRIES);
  return {
    version: MAIL_SUMMARY_VERSION,
    remote_identity_id: facts.identityId,
    mailbox: facts.mailbox,
    uid_validity: facts.uidValidity,
    uid: facts.uid,
    ...(facts.uidl === undefined ? {} : { uidl: facts.uidl }),
    flags: facts.flags,
    size: facts.size,
    raw_sequence: facts.rawSequence,
    message_id: optionalText(email?.messageId, MAX_TEXT),
    from: email?.from ? (addresses([email.from])[0] ?? null) : null,
    to: to.slice(0, MAX_ENTRIES),
    cc: cc.slice(0, MAX_ENTRIES),
    subject: optionalText(email?.subject, MAX_TEXT),
    date: isoDate(email?.date),
    attachments: attachments.slice(0, MAX_ENTRIES),
    ...(truncated ? { truncated: true as const } : {}),
    ...(parseError === undefined ? {} : { parse_error: storableText(parseError, MAX_TEXT) }),
  };
}

/** Groups are flattened: a summary lists who the message went to, not how they were named. */
function addresses(list: Address[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const entry of list ?? []) {
    for (const mailbox of entry.group ?? [entry]) {
      out.push({
        name: storableText(mailbox.name ?? '', MAX_ADDRESS_TEXT),
        address: storableText(mailbox.address ?? '', MAX_ADDRESS_TEXT),
      });
    }
  }
  return out;
}

function optionalText(value: string | undefined, max: number): string | null {
  const text = value === undefined ? '' : storableText(value, max).trim();
  return text === '' ? null : text;
}

/** postal-mime answers the header as it was when it is not a date; a summary says null. */
function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  if (!Number.isFinite(time)) return null;
  const iso = new Date(time).toISOString();
  // Years outside 0000-9999 have no plain ISO 8601 form.
  return /^\d{4}-/.test(iso) ? iso : null;
}

function byteLength(content: ArrayBuffer | Uint8Array | string): number {
  return typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
