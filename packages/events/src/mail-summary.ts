import { z } from 'zod';
import { EventSchemaError } from './catalog.ts';

/** The schema version of the summaries this release writes. */
export const MAIL_SUMMARY_VERSION = 1;

export const mailAddressSchema = z.object({
  /** The decoded display name; empty when the header gave none. */
  name: z.string(),
  address: z.string(),
});
export type MailAddress = z.infer<typeof mailAddressSchema>;

export const mailAttachmentSchema = z.object({
  /** Decoded file name, or null when the part names none. */
  filename: z.string().nullable(),
  /** The lower-case MIME type the part declares. */
  content_type: z.string(),
  /** Bytes after transfer decoding (base64, quoted-printable). */
  size: z.number().int().nonnegative(),
});
export type MailAttachment = z.infer<typeof mailAttachmentSchema>;

/**
 * What other services may know of a fetched message without parsing MIME: its place in the
 * mailbox, its flags, its main headers and its attachments. Every string is storable as it is
 * (no control characters, well-formed Unicode). A message that could not be parsed whole still
 * gets a summary: `parse_error` says why, and the fields hold what could be read.
 */
export const mailSummarySchema = z.object({
  version: z.number().int().min(1),
  remote_identity_id: z.string().min(1),
  /** The folder, e.g. `INBOX`. */
  mailbox: z.string(),
  uid_validity: z.string(),
  uid: z.number().int().nonnegative(),
  /** POP3 only: the server's unique id of the message. */
  uidl: z.string().optional(),
  /** IMAP flags as the server reported them at fetch time, e.g. `\\Seen`. */
  flags: z.array(z.string()),
  /** Bytes of the raw message. */
  size: z.number().int().nonnegative(),
  /** Sequence of the raw message in the mail stream. */
  raw_sequence: z.number().int().positive(),
  message_id: z.string().nullable(),
  from: mailAddressSchema.nullable(),
  to: z.array(mailAddressSchema),
  cc: z.array(mailAddressSchema),
  subject: z.string().nullable(),
  /** The Date header in ISO 8601 (UTC), or null when it is missing or not a date. */
  date: z.iso.datetime().nullable(),
  attachments: z.array(mailAttachmentSchema),
  /** Present when an address list or the attachment list was cut (200 entries kept). */
  truncated: z.literal(true).optional(),
  parse_error: z.string().optional(),
});
export type MailSummary = z.infer<typeof mailSummarySchema>;

/**
 * Validates a summary read from the summary stream. A summary of a newer version than this
 * reader knows is refused rather than half understood.
 */
export function parseMailSummary(raw: unknown): MailSummary {
  const result = mailSummarySchema.safeParse(raw);
  if (!result.success) {
    throw new EventSchemaError(`invalid mail summary: ${z.prettifyError(result.error)}`);
  }
  if (result.data.version > MAIL_SUMMARY_VERSION) {
    throw new EventSchemaError(
      `mail summary version ${result.data.version} is newer than this reader`,
    );
  }
  return result.data;
}
