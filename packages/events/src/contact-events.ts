import { z } from 'zod';

/** The kinds of sub-object a contact holds; a remote identity's `identity_type` names one. */
export const CONTACT_SUBOBJECT_KINDS = ['email', 'im', 'social_identity'] as const;
export const contactSubObjectKindSchema = z.enum(CONTACT_SUBOBJECT_KINDS);
export type ContactSubObjectKind = z.infer<typeof contactSubObjectKindSchema>;

/**
 * A sub-object's id, chosen by the client in the PUT path. The characters are those that need
 * no escaping in a URL path segment, so that an id reads the same in a route and in an event.
 */
export const SUBOBJECT_ID = /^[A-Za-z0-9._~@+-]{1,200}$/;
export const subObjectIdSchema = z.string().regex(SUBOBJECT_ID);

/** A provider name: `gmail`; null is a generic server (IMAP, POP3) that no named connector owns. */
export const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const providerSchema = z.string().regex(PROVIDER).nullable();

/**
 * What the user says about one address of theirs. Emails, ims and social identities share this
 * shape: `address` is the mail address, the im handle or the social account name.
 */
export const contactSubObjectSchema = z
  .object({
    address: z.string().min(1).max(320),
    is_primary: z.boolean(),
    label: z.string().max(100).nullable(),
    type: z.string().max(50).nullable(),
    provider: providerSchema,
  })
  .strict();
export type ContactSubObject = z.infer<typeof contactSubObjectSchema>;

/** Adds a sub-object, or replaces the one with that id (its `date_insert` is kept). */
const subObjectSetSchema = z
  .object({ subobject_id: subObjectIdSchema, subobject: contactSubObjectSchema })
  .strict();
const subObjectRemovedSchema = z.object({ subobject_id: subObjectIdSchema }).strict();

/** A remote identity was created on a sub-object, so that a provider change can follow it. */
const identityBoundSchema = z
  .object({
    kind: contactSubObjectKindSchema,
    subobject_id: subObjectIdSchema,
    remote_identity_id: z.string().uuid(),
  })
  .strict();

export const contactEventSchemas = {
  /** The user's own contact exists; it has no sub-object yet. */
  ContactCreated: z.object({}).strict(),
  ContactEmailSet: subObjectSetSchema,
  ContactEmailRemoved: subObjectRemovedSchema,
  ContactImSet: subObjectSetSchema,
  ContactImRemoved: subObjectRemovedSchema,
  ContactSocialIdentitySet: subObjectSetSchema,
  ContactSocialIdentityRemoved: subObjectRemovedSchema,
  ContactIdentityBound: identityBoundSchema,
} as const;

/** The event types that set and remove each kind of sub-object. */
export const SUBOBJECT_EVENT_TYPES = {
  email: { set: 'ContactEmailSet', removed: 'ContactEmailRemoved' },
  im: { set: 'ContactImSet', removed: 'ContactImRemoved' },
  social_identity: { set: 'ContactSocialIdentitySet', removed: 'ContactSocialIdentityRemoved' },
} as const satisfies Record<
  ContactSubObjectKind,
  { set: keyof typeof contactEventSchemas; removed: keyof typeof contactEventSchemas }
>;
