import type { ContactState, ContactSubObjectKind, StoredSubObject } from '@ri/events';
import type { ContactSubObjectRow } from '@ri/read-model';
import {
  SUBOBJECT_KINDS,
  type ContactRepresentation,
  type SubObjectRepresentation,
} from './contact-schemas.ts';

/** A `contacts` row as the database driver returns it. */
export interface ContactRow {
  contact_id: string;
  emails: ContactSubObjectRow[];
  ims: ContactSubObjectRow[];
  social_identities: ContactSubObjectRow[];
  created_at: Date;
  updated_at: Date;
  last_sequence: number;
}

/** One sub-object as served: its id under the kind's own name (`email_id`), then its fields. */
export function representSubObject<K extends ContactSubObjectKind>(
  kind: K,
  stored: StoredSubObject,
): SubObjectRepresentation<K> {
  // The key is computed from the kind, which the type system cannot follow.
  return {
    [SUBOBJECT_KINDS[kind].idField]: stored.id,
    address: stored.address,
    date_insert: stored.date_insert,
    is_primary: stored.is_primary,
    label: stored.label,
    type: stored.type,
    provider: stored.provider,
  } as SubObjectRepresentation<K>;
}

function representList<K extends ContactSubObjectKind>(
  kind: K,
  list: readonly StoredSubObject[],
): SubObjectRepresentation<K>[] {
  return list.map((stored) => representSubObject(kind, stored));
}

export function representContactRow(row: ContactRow): ContactRepresentation {
  return {
    contact_id: row.contact_id,
    emails: representList('email', row.emails),
    ims: representList('im', row.ims),
    social_identities: representList('social_identity', row.social_identities),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    sequence: Number(row.last_sequence),
  };
}

/** A contact right after a command, from the state decided on (the read model may lag). */
export function representContactState(
  state: ContactState,
  updatedAt: string,
  sequence: number,
): ContactRepresentation {
  return {
    contact_id: state.contact_id,
    emails: representList('email', state.subobjects.email),
    ims: representList('im', state.subobjects.im),
    social_identities: representList('social_identity', state.subobjects.social_identity),
    created_at: state.created_at,
    updated_at: updatedAt,
    sequence,
  };
}
