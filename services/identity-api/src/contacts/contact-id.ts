import { createHash } from 'node:crypto';
import { ApiError } from '../problems/api-error.ts';

// A fixed namespace (RFC 9562 §5.5) of this service's own: the contact ids it derives can
// never equal a name-based uuid that another system derives from the same user id.
const CONTACT_NAMESPACE = Buffer.from('5b0e3c9a4f6d4e1a9c2b7d8e1f0a3b4c', 'hex');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The alias of the caller's own contact in every contact path. */
export const OWN_CONTACT_ALIAS = 'me';

/**
 * The id of the user's own contact: a version 5 uuid of the user id. Being derived, it needs no
 * look-up, and "one contact per user" is enforced by the log itself: a second creation finds the
 * subject taken.
 */
export function ownContactId(userId: string): string {
  const hash = createHash('sha1').update(CONTACT_NAMESPACE).update(userId, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return [...groups, hex.slice(20)].join('-');
}

export function contactNotFound(contactId: string): ApiError {
  return new ApiError('CONTACT_NOT_FOUND', `No contact ${contactId.slice(0, 64)}.`);
}

/**
 * The contact a path names, which must be the caller's: `me`, or its id. Any other id answers
 * as a missing one, so that another user's contact cannot be told from none, and nothing but a
 * uuid ever reaches a NATS subject.
 */
export function resolveContactId(param: string, userId: string): string {
  const own = ownContactId(userId);
  if (param === OWN_CONTACT_ALIAS) return own;
  if (UUID.test(param) && param.toLowerCase() === own) return own;
  throw contactNotFound(param);
}
