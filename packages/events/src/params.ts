import { z } from 'zod';

export const IDENTITY_TYPES = ['email', 'im', 'social_identity'] as const;
export const identityTypeSchema = z.enum(IDENTITY_TYPES);
export type IdentityType = z.infer<typeof identityTypeSchema>;

export const FETCH_METHODS = ['from_now', 'from_beginning'] as const;
export const fetchMethodSchema = z.enum(FETCH_METHODS);
export type FetchMethod = z.infer<typeof fetchMethodSchema>;

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
    mail_protocol: z.enum(['IMAP', 'POP3']),
    incomming_mail_server: z.string().min(1).max(253),
    mail_port: z.number().int().min(1).max(65535),
    fetch_method: fetchMethodSchema,
    /**
     * Seconds between two polls of what cannot push (a POP3 maildrop); absent: the
     * connector's default.
     */
    polling_interval: z
      .number()
      .int()
      .min(POLLING_INTERVAL_MIN)
      .max(POLLING_INTERVAL_MAX)
      .optional(),
  })
  .strict();

export type EmailParams = z.infer<typeof emailParamsSchema>;
