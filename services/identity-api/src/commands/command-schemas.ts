import { isIP } from 'node:net';
import { z } from '@hono/zod-openapi';
import {
  emailParamsSchema,
  fetchMethodSchema,
  POLLING_INTERVAL_MAX,
  POLLING_INTERVAL_MIN,
  type EmailParams,
  type IdentityType,
} from '@ri/events';
import { fieldErrors, validate, validationError } from '../problems/validation.ts';
import { LONE_SURROGATE, storableText } from '../storable-text.ts';
import { identityTypeSchema, refuseUnsupportedIdentityType } from './identity-type.ts';

/** A registration request once validated; the password is still plaintext and must be sealed. */
export interface CreateIdentityCommand {
  identity_type: IdentityType;
  identity_id: string;
  params: EmailParams;
  password: string;
  connection_required: boolean;
}

/** A PATCH request once validated: each field present is a change the user asks for. */
export interface UpdateIdentityCommand {
  connection_required?: boolean;
  cancel_fetch_required?: boolean;
  params?: Partial<EmailParams>;
  password?: string;
}

const EMAIL_PARAM_KEYS = [
  'login',
  'mail_protocol',
  'incomming_mail_server',
  'mail_port',
  'fetch_method',
  'polling_interval',
  'include_junk',
  'include_trash',
] as const satisfies readonly (keyof EmailParams)[];

const INTERVAL_MESSAGE =
  `must be a whole number of seconds from ${POLLING_INTERVAL_MIN} ` + `to ${POLLING_INTERVAL_MAX}`;
// Seconds, given as a number or a numeric string like the port.
const pollingIntervalSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value),
  z
    .number({ error: INTERVAL_MESSAGE })
    .int(INTERVAL_MESSAGE)
    .min(POLLING_INTERVAL_MIN, INTERVAL_MESSAGE)
    .max(POLLING_INTERVAL_MAX, INTERVAL_MESSAGE),
);

const includeJunkSchema = z
  .boolean()
  .optional()
  .openapi({ description: 'IMAP: also fetch the \\Junk folder (skipped by default).' });
const includeTrashSchema = z
  .boolean()
  .optional()
  .openapi({ description: 'IMAP: also fetch the \\Trash folder (skipped by default).' });

const PORT_MESSAGE = 'must be an integer from 1 to 65535 (number or numeric string)';

const text = storableText;

const loginSchema = text(320);
// Sealed before it is stored, so control characters are safe; a lone surrogate is not, as
// sealing encodes UTF-8 and would silently turn it into U+FFFD.
const passwordSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');
const protocolSchema = z.enum(['IMAP', 'POP3', 'API']);
// A host name of letters, digits and hyphens in dot-separated labels, or an IP literal; a
// URL, a port or a user part is refused here rather than failing later in the connector.
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(\\.${HOST_LABEL})*\\.?$`, 'i');
const serverSchema = z
  .string()
  .trim()
  .pipe(text(253))
  .refine(
    (value) => HOST_NAME.test(value) || isIP(value) !== 0,
    'must be a host name or an IP address, without scheme, port or user',
  )
  .openapi({ type: 'string', minLength: 1, maxLength: 253 });
// The design shows ports as strings; accept both forms and keep a number in events.
const portSchema = z
  .preprocess(
    (value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value),
    z
      .number({ error: PORT_MESSAGE })
      .int(PORT_MESSAGE)
      .min(1, PORT_MESSAGE)
      .max(65535, PORT_MESSAGE),
  )
  .openapi({
    // Both forms in one schema: the bounds apply to numbers only, the pattern to strings only.
    type: ['integer', 'string'],
    minimum: 1,
    maximum: 65535,
    pattern: '^[0-9]{1,5}$',
    description: 'From 1 to 65535, as a number or a numeric string.',
    examples: ['993'],
  });
// `incoming_mail_server` is the spelling clients will type; the design's is kept in storage.
const aliasSchema = z
  .never({ error: 'give either incomming_mail_server or incoming_mail_server, not both' })
  .optional()
  .openapi({
    type: 'string',
    description: 'Accepted instead of incomming_mail_server (never both); stored under that key.',
  });

function renameServerAlias(value: unknown): unknown {
  if (!isRecord(value) || !('incoming_mail_server' in value)) return value;
  if ('incomming_mail_server' in value) return value;
  const { incoming_mail_server, ...rest } = value;
  return { ...rest, incomming_mail_server: incoming_mail_server };
}

const createParamsSchema = z.preprocess(
  renameServerAlias,
  z
    .object({
      login: loginSchema,
      password: passwordSchema,
      mail_protocol: protocolSchema,
      incomming_mail_server: serverSchema,
      incoming_mail_server: aliasSchema,
      mail_port: portSchema,
      fetch_method: fetchMethodSchema,
      polling_interval: pollingIntervalSchema.optional(),
      include_junk: includeJunkSchema,
      include_trash: includeTrashSchema,
    })
    .strict(),
);

const patchParamsSchema = z.preprocess(
  renameServerAlias,
  z
    .object({
      login: loginSchema.optional(),
      password: passwordSchema.optional(),
      mail_protocol: protocolSchema.optional(),
      incomming_mail_server: serverSchema.optional(),
      incoming_mail_server: aliasSchema,
      mail_port: portSchema.optional(),
      fetch_method: fetchMethodSchema.optional(),
      polling_interval: pollingIntervalSchema.optional(),
      include_junk: includeJunkSchema,
      include_trash: includeTrashSchema,
    })
    .strict(),
);

/** The body of POST /v1/remote-identities; validates requests and documents them. */
export const createBodySchema = z
  .object({
    identity_type: identityTypeSchema,
    identity_id: text(320),
    params: createParamsSchema,
    connection_required: z.boolean().optional(),
  })
  .strict()
  .openapi('RemoteIdentityRegistration');

/** The body of PATCH /v1/remote-identities/{id}: every field present is a wanted change. */
export const patchBodySchema = z
  .object({
    connection_required: z.boolean().optional(),
    cancel_fetch_required: z.boolean().optional(),
    params: patchParamsSchema.optional(),
  })
  .strict()
  .openapi('RemoteIdentityChange');

export function parseCreateCommand(body: unknown): CreateIdentityCommand {
  refuseUnsupportedIdentityType(body);
  return toCreateCommand(validate(createBodySchema, body));
}

/** A validated registration as a command; a type that cannot be registered is refused. */
export function toCreateCommand(parsed: z.output<typeof createBodySchema>): CreateIdentityCommand {
  refuseUnsupportedIdentityType(parsed);
  const { login, mail_protocol, incomming_mail_server, mail_port, fetch_method } = parsed.params;
  const { polling_interval, include_junk, include_trash } = parsed.params;
  const params: EmailParams = {
    login,
    mail_protocol,
    incomming_mail_server,
    mail_port,
    fetch_method,
    ...(polling_interval === undefined ? {} : { polling_interval }),
    ...(include_junk === undefined ? {} : { include_junk }),
    ...(include_trash === undefined ? {} : { include_trash }),
  };
  // Each field passed alone; the whole must also pass the rules across fields that events keep.
  const whole = emailParamsSchema.safeParse(params);
  if (!whole.success) throw validationError(fieldErrors(whole.error.issues, ['params']));
  return {
    identity_type: parsed.identity_type,
    identity_id: parsed.identity_id,
    params,
    password: parsed.params.password,
    connection_required: parsed.connection_required ?? false,
  };
}

export function parseUpdateCommand(body: unknown): UpdateIdentityCommand {
  return toUpdateCommand(validate(patchBodySchema, body));
}

export function toUpdateCommand(parsed: z.output<typeof patchBodySchema>): UpdateIdentityCommand {
  const command: UpdateIdentityCommand = {};
  if (parsed.connection_required !== undefined) {
    command.connection_required = parsed.connection_required;
  }
  if (parsed.cancel_fetch_required !== undefined) {
    command.cancel_fetch_required = parsed.cancel_fetch_required;
  }
  if (parsed.params) {
    // Picked by name: the password travels apart, and the alias was folded into its key.
    const given: Record<string, unknown> = {};
    for (const key of EMAIL_PARAM_KEYS) {
      if (parsed.params[key] !== undefined) given[key] = parsed.params[key];
    }
    if (Object.keys(given).length > 0) command.params = given as Partial<EmailParams>;
    if (parsed.params.password !== undefined) command.password = parsed.params.password;
  }
  return command;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
