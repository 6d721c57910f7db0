import { z } from 'zod';
import { emailParamsSchema, identityTypeSchema } from './params.ts';
import { sealedSecretSchema } from './secrets.ts';

const secretsSchema = z.object({ password: sealedSecretSchema.optional() }).strict();

/** Appended by the identity API when a user registers a remote identity. */
export const remoteIdentityCreatedSchema = z.object({
  identity_type: identityTypeSchema,
  identity_id: z.string().min(1),
  /** From the contact sub-object: null for generic IMAP/POP, or a named provider (`gmail`). */
  provider: z.string().nullable(),
  params: emailParamsSchema,
  secrets: secretsSchema,
});

/** Appended when the user changes params; `secrets` holds only the secrets that changed. */
export const remoteIdentityUpdatedSchema = z.object({
  params: emailParamsSchema,
  secrets: secretsSchema,
});

const emptySchema = z.object({}).strict();

export const identityEventSchemas = {
  RemoteIdentityCreated: remoteIdentityCreatedSchema,
  RemoteIdentityUpdated: remoteIdentityUpdatedSchema,
  /** The user wants the identity connected (and fetching). */
  ConnectionRequested: emptySchema,
  /** The user no longer wants the identity connected. */
  DisconnectionRequested: emptySchema,
  /** The user asked to stop the running fetch. */
  FetchCancelled: emptySchema,
  RemoteIdentityDeleted: emptySchema,
  /**
   * The contact sub-object that the identity was created on changed provider; connectors
   * route on it from the next connection on.
   */
  RemoteIdentityProviderChanged: z.object({ provider: z.string().nullable() }).strict(),
} as const;
