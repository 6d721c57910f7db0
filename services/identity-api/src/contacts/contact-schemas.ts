import { z } from '@hono/zod-openapi';
import {
  PROVIDER,
  SUBOBJECT_ID,
  type ContactSubObject,
  type ContactSubObjectKind,
} from '@ri/events';
import { storableText } from '../storable-text.ts';

/** How each kind of sub-object is named in paths, bodies and representations. */
export const SUBOBJECT_KINDS: Record<
  ContactSubObjectKind,
  { collection: string; idField: string; bodyKey: string }
> = {
  email: { collection: 'emails', idField: 'email_id', bodyKey: 'email' },
  im: { collection: 'ims', idField: 'im_id', bodyKey: 'im' },
  social_identity: {
    collection: 'social_identities',
    idField: 'social_identity_id',
    bodyKey: 'social_identity',
  },
};

const text = storableText;

// Deliberately loose: the mail server is the judge of an address; this only refuses what
// cannot be one.
const MAIL_ADDRESS = /^[^@\s]+@[^@\s]+$/;

/** Mail providers that have a connector of their own; any other mail is generic IMAP/POP3. */
export const EMAIL_PROVIDERS = ['gmail'] as const;

// An email's provider routes it to a connector, so only providers that have one are taken;
// the other kinds have no connector yet and keep the general form of a provider name.
function providerSchema(kind: ContactSubObjectKind) {
  if (kind === 'email') {
    return z.string().refine((value) => (EMAIL_PROVIDERS as readonly string[]).includes(value), {
      message: `must be one of ${EMAIL_PROVIDERS.join(', ')}, or null for a generic server`,
    });
  }
  return z
    .string()
    .regex(PROVIDER, `must match ${PROVIDER.source}, or be null for a generic server`);
}

function subObjectBodySchema(kind: ContactSubObjectKind) {
  const address =
    kind === 'email' ? text(320).regex(MAIL_ADDRESS, 'must be a mail address') : text(320);
  return z
    .object({
      address,
      is_primary: z.boolean().optional(),
      label: text(100).nullable().optional(),
      type: text(50)
        .nullable()
        .optional()
        .openapi({ examples: ['work', 'home', 'other'] }),
      provider: providerSchema(kind)
        .nullable()
        .optional()
        .openapi({
          description: 'Which connector serves it: null (default) for generic IMAP/POP3.',
          examples: ['gmail'],
        }),
    })
    .strict();
}

/** The body of a PUT of one sub-object: `{"email": {...}}`, `{"im": {...}}`, ... */
export function subObjectPutSchema(kind: ContactSubObjectKind) {
  const { bodyKey } = SUBOBJECT_KINDS[kind];
  return z.object({ [bodyKey]: subObjectBodySchema(kind) }).strict();
}

type SubObjectBody = z.output<ReturnType<typeof subObjectBodySchema>>;

/** A validated body as the sub-object to store, with the defaults of absent fields. */
export function toSubObject(body: SubObjectBody): ContactSubObject {
  return {
    address: body.address,
    is_primary: body.is_primary ?? false,
    label: body.label ?? null,
    type: body.type ?? null,
    provider: body.provider ?? null,
  };
}

/** The path's sub-object id, checked in the handler so that a bad one answers 404 on reads. */
export function isSubObjectId(value: string): boolean {
  return SUBOBJECT_ID.test(value);
}

export const subObjectSchema = z.object({
  address: z.string(),
  date_insert: z.iso.datetime(),
  is_primary: z.boolean(),
  label: z.string().nullable(),
  type: z.string().nullable(),
  provider: z.string().nullable(),
});

/** Each kind's sub-object as served: its id under the kind's own name, then its fields. */
export const SUBOBJECT_SCHEMAS = {
  email: subObjectSchema.extend({ email_id: z.string() }).openapi('ContactEmail'),
  im: subObjectSchema.extend({ im_id: z.string() }).openapi('ContactIm'),
  social_identity: subObjectSchema
    .extend({ social_identity_id: z.string() })
    .openapi('ContactSocialIdentity'),
};

export type SubObjectRepresentation<K extends ContactSubObjectKind> = z.infer<
  (typeof SUBOBJECT_SCHEMAS)[K]
>;

export const contactSchema = z
  .object({
    contact_id: z.uuid(),
    emails: z.array(SUBOBJECT_SCHEMAS.email),
    ims: z.array(SUBOBJECT_SCHEMAS.im),
    social_identities: z.array(SUBOBJECT_SCHEMAS.social_identity),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    sequence: z.number().int().min(1).openapi({ description: 'The version; also in `ETag`.' }),
  })
  .openapi('Contact');

export const contactPageSchema = z
  .object({ total: z.number().int().min(0), contacts: z.array(contactSchema) })
  .openapi('ContactPage');

export type ContactRepresentation = z.infer<typeof contactSchema>;
