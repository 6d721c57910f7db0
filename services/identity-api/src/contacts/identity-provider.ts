import {
  findSubObject,
  foldIdentity,
  type ContactState,
  type ContactSubObjectKind,
} from '@ri/events';
import { changeIdentity, type EventMetadata } from '../commands/change-identity.ts';

import { isApiError } from '../problems/api-error.ts';
import { ownContactId } from './contact-id.ts';
import { onLog, type IdentityLog } from '../commands/identity-log.ts';
import { changeContact, loadContact } from './contact-log.ts';
import { decideBindIdentity } from './decide-contact.ts';

export interface BindIdentityOptions extends EventMetadata {
  log: IdentityLog;
  kind: ContactSubObjectKind;
  subObjectId: string;
  remoteIdentityId: string;
}

/**
 * Checks that the caller's contact holds the sub-object an identity is created on, records the
 * binding, and answers the sub-object's provider: the identity's provider at creation.
 */
export async function bindIdentity({
  log,
  kind,
  subObjectId,
  remoteIdentityId,
  ...metadata
}: BindIdentityOptions): Promise<string | null> {
  const { after } = await changeContact({
    log,
    contactId: ownContactId(metadata.userId),
    decide: (state) => decideBindIdentity(state, kind, subObjectId, remoteIdentityId),
    ...metadata,
  });
  const subObject = after && findSubObject(after, kind, subObjectId);
  if (!subObject) throw new Error('a binding was appended without its sub-object');
  return subObject.provider;
}

export interface SyncProviderOptions extends EventMetadata {
  log: IdentityLog;
  remoteIdentityId: string;
  provider: string | null;
}

/**
 * Gives an identity the provider of its sub-object; nothing when it has it already, or when
 * the identity is gone (deleted, or its creation not appended yet: that creation checks again).
 */
export async function syncIdentityProvider({
  remoteIdentityId,
  provider,
  ...options
}: SyncProviderOptions): Promise<boolean> {
  try {
    const { appended } = await changeIdentity({
      ...options,
      remoteIdentityId,
      decide: (state) =>
        state.provider === provider || state.deleted
          ? []
          : [{ type: 'RemoteIdentityProviderChanged', data: { provider } }],
    });
    return appended.length > 0;
  } catch (err) {
    if (isApiError(err) && err.code === 'IDENTITY_NOT_FOUND') return false;
    throw err;
  }
}

export interface FollowSubObjectOptions extends EventMetadata {
  log: IdentityLog;
  contact: ContactState;
  kind: ContactSubObjectKind;
  subObjectId: string;
}

/**
 * After a sub-object was set, brings every identity bound to it to its provider. Every bound
 * identity is checked, not only on a change, so that a PUT repeated after a failure here
 * finishes what the first one left undone.
 */
export async function followSubObject({
  contact,
  kind,
  subObjectId,
  ...options
}: FollowSubObjectOptions): Promise<void> {
  const subObject = findSubObject(contact, kind, subObjectId);
  if (!subObject) return;
  for (const binding of contact.bindings) {
    if (binding.kind !== kind || binding.subobject_id !== subObjectId) continue;
    await syncIdentityProvider({
      ...options,
      remoteIdentityId: binding.remote_identity_id,
      provider: subObject.provider,
    });
  }
}

export interface RecheckProviderOptions extends EventMetadata {
  log: IdentityLog;
  kind: ContactSubObjectKind;
  subObjectId: string;
  remoteIdentityId: string;
  /** The provider the identity was created with. */
  provider: string | null;
}

/**
 * Run after an identity's creation is appended: a PUT that changed the sub-object after the
 * binding, and looked for the identity before its creation was in the log, left it alone; this
 * second look at the contact catches that change. True when the identity had to follow it.
 *
 * LIMITATION: two PUTs of one sub-object racing with a creation can still leave the identity
 * on the provider of the earlier PUT; the next PUT of that sub-object mends it.
 */
export async function recheckProvider({
  kind,
  subObjectId,
  provider,
  ...options
}: RecheckProviderOptions): Promise<boolean> {
  const { state } = await loadContact(options.log, ownContactId(options.userId), options.userId);
  const subObject = state && findSubObject(state, kind, subObjectId);
  if (!subObject || subObject.provider === provider) return false;
  return syncIdentityProvider({ ...options, provider: subObject.provider });
}

/**
 * The identities registered on a sub-object that still exist. A binding whose identity has
 * no events (its creation failed after the binding) or is deleted does not count.
 */
export async function liveIdentitiesOn(
  log: IdentityLog,
  contactId: string,
  userId: string,
  kind: ContactSubObjectKind,
  subObjectId: string,
): Promise<string[]> {
  const { state } = await loadContact(log, contactId, userId);
  const bound = (state?.bindings ?? []).filter(
    (b) => b.kind === kind && b.subobject_id === subObjectId,
  );
  const live: string[] = [];
  for (const { remote_identity_id: id } of bound) {
    const identity = foldIdentity((await onLog(() => log.read(id))).map((s) => s.event));
    if (identity && !identity.deleted) live.push(id);
  }
  return live;
}
