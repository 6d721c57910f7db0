import { evolveContact, type ContactEvent, type ContactState } from '@ri/events';
import type { ContactsTable } from '@ri/read-model';
import type { Selectable } from 'kysely';

/** A `contacts` row as the projection reads and writes it. */
export type ContactRow = Selectable<ContactsTable>;

/**
 * The row change of one contact event, as `evolveRow` is for an identity's: `undefined` in or
 * out means no row, and the same object comes back when nothing changed. The sub-object rules
 * are those of `evolveContact`, so that the read model and the aggregate never disagree.
 */
export function evolveContactRow(
  row: ContactRow | undefined,
  event: ContactEvent,
  sequence: number,
): ContactRow | undefined {
  const before = row ? stateOfRow(row) : undefined;
  const after = evolveContact(before, event);
  if (!after) return undefined;
  if (after === before && row) return row;
  return {
    contact_id: after.contact_id,
    user_id: after.user_id,
    emails: after.subobjects.email,
    ims: after.subobjects.im,
    social_identities: after.subobjects.social_identity,
    created_at: row?.created_at ?? new Date(after.created_at),
    updated_at: new Date(event.occurred_at),
    last_sequence: sequence,
  };
}

// Bindings are not served, so the row does not keep them; evolving a row needs none.
function stateOfRow(row: ContactRow): ContactState {
  return {
    contact_id: row.contact_id,
    user_id: row.user_id,
    created_at: new Date(row.created_at).toISOString(),
    subobjects: { email: row.emails, im: row.ims, social_identity: row.social_identities },
    bindings: [],
  };
}
