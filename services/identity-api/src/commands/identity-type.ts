import { z } from '@hono/zod-openapi';
import { IDENTITY_TYPES, type IdentityType } from '@ri/events';
import { ApiError } from '../problems/api-error.ts';

// The design spells social_identity once as social_identitiy; a client that copied it means
// the same type, so it is read as such wherever a type is given (bodies and filters).
const IDENTITY_TYPE_ALIASES = new Map<unknown, IdentityType>([
  ['social_identitiy', 'social_identity'],
]);

const TYPE_MESSAGE = `must be one of ${IDENTITY_TYPES.join(', ')}`;

export function normalizeIdentityType(value: unknown): unknown {
  return IDENTITY_TYPE_ALIASES.get(value) ?? value;
}

/** An identity type as a client may write it; the design's typo is read as the right type. */
export const identityTypeSchema = z
  .preprocess(normalizeIdentityType, z.enum(IDENTITY_TYPES, { error: TYPE_MESSAGE }))
  .openapi({
    type: 'string',
    enum: [...IDENTITY_TYPES, ...IDENTITY_TYPE_ALIASES.keys()] as string[],
    description: `One of ${IDENTITY_TYPES.join(', ')}; social_identitiy reads as social_identity.`,
  });

// Every type names a sub-object of the caller's contact, which is what registration checks.
// No connector serves im and social_identity yet, and the IMAP connector leaves them alone, so
// such identities wait for one. This is the one place that decides which types can be registered.
const REGISTRABLE_TYPES = new Set<IdentityType>(['email', 'im', 'social_identity']);

/**
 * Refuses a registration body whose type is known but not registrable yet, before the rest of
 * the body is validated: such a client must learn that first, not that its params are wrong.
 */
export function refuseUnsupportedIdentityType(body: unknown): void {
  if (typeof body !== 'object' || body === null || !('identity_type' in body)) return;
  const type = normalizeIdentityType(body.identity_type);
  if (!IDENTITY_TYPES.includes(type as IdentityType)) return;
  if (REGISTRABLE_TYPES.has(type as IdentityType)) return;
  throw new ApiError(
    'IDENTITY_TYPE_UNSUPPORTED',
    `identity_type ${String(type)} is not supported yet; only email is.`,
    { errors: [{ path: '/identity_type', message: 'only email is supported for now' }] },
  );
}
