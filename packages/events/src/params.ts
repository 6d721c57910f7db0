import { z } from 'zod';

export const IDENTITY_TYPES = ['email', 'im', 'social_identity'] as const;
export const identityTypeSchema = z.enum(IDENTITY_TYPES);
export type IdentityType = z.infer<typeof identityTypeSchema>;

export const FETCH_METHODS = ['from_now', 'from_beginning'] as const;
/** `from_now`, `from_beginning`, or `since:<ISO 8601 date>`: mail received since that day. */
export type FetchMethod = (typeof FETCH_METHODS)[number] | `since:${string}`;

const SINCE = /^since:(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The date of a `since:` fetch method, or undefined for the others. */
export function sinceDate(method: string): Date | undefined {
  if (!SINCE.test(method)) return undefined;
  const date = new Date(method.slice('since:'.length));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function isFetchMethod(value: unknown): value is FetchMethod {
  if (typeof value !== 'string') return false;
  return (FETCH_METHODS as readonly string[]).includes(value) || sinceDate(value) !== undefined;
}

// A refined string rather than a custom type, so that OpenAPI generation can describe it.
export const fetchMethodSchema = z
  .string()
  .refine(
    isFetchMethod,
    'must be from_now, from_beginning or since:<ISO 8601 date>',
  ) as unknown as z.ZodType<FetchMethod, string>;

/**
 * The provider parameters as they are kept in events and served by the API: everything the
 * user gave except secrets, which travel sealed beside them. Keys follow the design, including
 * its spelling `incomming_mail_server`.
 */
/** Bounds of `polling_interval`, in seconds: no faster than a minute, no slower than a day. */
export const POLLING_INTERVAL_MIN = 60;
export const POLLING_INTERVAL_MAX = 86_400;

export const emailParamsSchema = z
  .object({
    login: z.string().min(1).max(320),
    /** `API`: the provider's own API (Gmail's), only for a sub-object whose provider has one. */
    mail_protocol: z.enum(['IMAP', 'POP3', 'API']),
    incomming_mail_server: z.string().min(1).max(253),
    mail_port: z.number().int().min(1).max(65535),
    fetch_method: fetchMethodSchema,
    /**
     * Seconds between two polls of what cannot push (a POP3 maildrop, IMAP folders other than
     * INBOX); absent: the connector's default.
     */
    polling_interval: z
      .number()
      .int()
      .min(POLLING_INTERVAL_MIN)
      .max(POLLING_INTERVAL_MAX)
      .optional(),
    /** IMAP: also fetch the folder the server marks `\\Junk`; skipped by default. */
    include_junk: z.boolean().optional(),
    /** IMAP: also fetch the folder the server marks `\\Trash`; skipped by default. */
    include_trash: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.mail_protocol !== 'POP3' || sinceDate(p.fetch_method) === undefined, {
    // POP3 cannot search by date: honouring since: would mean fetching every message first.
    message: 'since: needs IMAP; POP3 can fetch from_now or from_beginning',
    path: ['fetch_method'],
  })
  .refine((p) => p.mail_protocol !== 'POP3' || p.include_junk === undefined, {
    // A POP3 maildrop is one mailbox: there is no Junk folder to include.
    message: 'include_junk needs IMAP: a POP3 maildrop has no folders',
    path: ['include_junk'],
  })
  .refine((p) => p.mail_protocol !== 'POP3' || p.include_trash === undefined, {
    message: 'include_trash needs IMAP: a POP3 maildrop has no folders',
    path: ['include_trash'],
  });

export type EmailParams = z.infer<typeof emailParamsSchema>;
