import {
  findSubObject,
  SUBOBJECT_EVENT_TYPES,
  type ContactState,
  type ContactSubObject,
  type ContactSubObjectKind,
} from '@ri/events';
import { ApiError } from '../problems/api-error.ts';
import type { PendingContactEvent } from './contact-log.ts';

/** POST /v1/contacts: the caller's contact, which must not exist yet. */
export function decideCreateContact(state: ContactState | undefined): PendingContactEvent[] {
  if (state) {
    throw new ApiError('CONTACT_EXISTS', `The caller has contact ${state.contact_id} already.`);
  }
  return [{ type: 'ContactCreated', data: {} }];
}

/**
 * PUT of a sub-object: adds it, or replaces the one with that id. The contact is created on
 * this first use. A sub-object already as wanted yields no event, so that deciding again after
 * a conflict never repeats what the first attempt appended.
 */
export function decideSetSubObject(
  state: ContactState | undefined,
  kind: ContactSubObjectKind,
  id: string,
  wanted: ContactSubObject,
): PendingContactEvent[] {
  const events: PendingContactEvent[] = [];
  if (!state) events.push({ type: 'ContactCreated', data: {} });
  const current = state && findSubObject(state, kind, id);
  if (current && sameSubObject(current, wanted)) return events;
  events.push({
    type: SUBOBJECT_EVENT_TYPES[kind].set,
    data: { subobject_id: id, subobject: wanted },
  });
  return events;
}

/** DELETE of a sub-object, which must be there. */
export function decideRemoveSubObject(
  state: ContactState | undefined,
  kind: ContactSubObjectKind,
  id: string,
): PendingContactEvent[] {
  if (!state || !findSubObject(state, kind, id)) throw subObjectNotFound(kind, id);
  return [{ type: SUBOBJECT_EVENT_TYPES[kind].removed, data: { subobject_id: id } }];
}

/**
 * Records that a remote identity is created on a sub-object, which must exist: this is the
 * check of POST /v1/remote-identities, decided on the contact version that the binding is
 * appended on, so that a concurrent change of the sub-object is either seen here or sees it.
 */
export function decideBindIdentity(
  state: ContactState | undefined,
  kind: ContactSubObjectKind,
  id: string,
  remoteIdentityId: string,
): PendingContactEvent[] {
  if (!state || !findSubObject(state, kind, id)) {
    throw new ApiError(
      'IDENTITY_SUBOBJECT_NOT_FOUND',
      `The caller's contact has no ${kind} with id ${id.slice(0, 64)}; create it first.`,
      { errors: [{ path: '/identity_id', message: `names no ${kind} of the caller's contact` }] },
    );
  }
  return [
    {
      type: 'ContactIdentityBound',
      data: { kind, subobject_id: id, remote_identity_id: remoteIdentityId },
    },
  ];
}

export function subObjectNotFound(kind: ContactSubObjectKind, id: string): ApiError {
  return new ApiError('SUBOBJECT_NOT_FOUND', `The contact has no ${kind} ${id.slice(0, 64)}.`);
}

function sameSubObject(a: ContactSubObject, b: ContactSubObject): boolean {
  return (
    a.address === b.address &&
    a.is_primary === b.is_primary &&
    a.label === b.label &&
    a.type === b.type &&
    a.provider === b.provider
  );
}
