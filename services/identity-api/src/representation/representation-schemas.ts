import { z } from '@hono/zod-openapi';

/**
 * The shapes the API answers with, as zod schemas: the OpenAPI document is generated from
 * them, and the types of `remote-identity.ts` are inferred from them, so that neither can
 * drift from what handlers send.
 */
export const publicParamsSchema = z
  .object({
    login: z.string(),
    mail_protocol: z.string().openapi({ examples: ['IMAP', 'POP3'] }),
    incomming_mail_server: z.string().openapi({ description: "The design's spelling." }),
    mail_port: z.string().openapi({ description: 'A string, as the design shows it.' }),
    fetch_method: z.string().openapi({ examples: ['from_now', 'from_beginning'] }),
    polling_interval: z
      .string()
      .optional()
      .openapi({ description: 'Seconds between two polls, when the user chose them.' }),
    include_junk: z.boolean().optional().openapi({ description: 'IMAP: \\Junk is fetched too.' }),
    include_trash: z.boolean().optional().openapi({ description: 'IMAP: \\Trash is fetched too.' }),
  })
  .openapi('EmailParams', { description: 'Never holds a secret.' });

export const lastErrorSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    at: z.string(),
    user_action: z
      .enum(['relogin', 'check_settings', 'none'])
      .optional()
      .openapi({ description: 'What the user can do: log in again, check settings, or wait.' }),
  })
  .openapi('LastError', { description: 'The last error a connector reported.' });

export const connectorFactsSchema = z.object({
  is_fetching: z.boolean(),
  connected: z.boolean(),
  last_connection: z.iso.datetime().nullable(),
  last_error: lastErrorSchema.nullable(),
  messages_fetched: z.number().int().min(0),
});

export const remoteIdentitySchema = z
  .object({
    remote_identity_id: z.uuid(),
    is_fetching: connectorFactsSchema.shape.is_fetching,
    connected: connectorFactsSchema.shape.connected,
    last_connection: connectorFactsSchema.shape.last_connection,
    connection_required: z.boolean(),
    cancel_fetch_required: z.boolean(),
    identity_type: z.string().openapi({ examples: ['email'] }),
    identity_id: z.string(),
    params: publicParamsSchema,
    last_error: connectorFactsSchema.shape.last_error,
    paused_since: z.iso
      .datetime()
      .nullable()
      .openapi({
        description:
          'When the connector stopped retrying after failing too long; null unless paused. ' +
          'Changing the params or setting connection_required to true resumes it.',
      }),
    messages_fetched: connectorFactsSchema.shape.messages_fetched,
    provider: z.string().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    sequence: z.number().int().min(1).openapi({
      description: 'The version: send it back quoted in `If-Match`; the `ETag` header holds it.',
    }),
  })
  .openapi('RemoteIdentity');

export const remoteIdentityPageSchema = z
  .object({
    total: z.number().int().min(0).openapi({ description: 'Every match, not only this page.' }),
    remote_identities: z.array(remoteIdentitySchema),
  })
  .openapi('RemoteIdentityPage');
