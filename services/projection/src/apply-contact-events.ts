import type { ContactEvent } from '@ri/events';
import type { ContactsTable, ReadModelDatabase } from '@ri/read-model';
import type { Insertable, Transaction } from 'kysely';
import { evolveContactRow, type ContactRow } from './contact-row.ts';

export interface SequencedContactEvent {
  event: ContactEvent;
  sequence: number;
}

/**
 * Folds a batch's contact events into the rows they concern and writes each changed row once,
 * in the caller's transaction, as `applyBatch` does for identities.
 */
export async function applyContactEvents(
  trx: Transaction<ReadModelDatabase>,
  events: SequencedContactEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const ids = [...new Set(events.map((e) => e.event.contact_id))];
  const stored = await trx
    .selectFrom('contacts')
    .selectAll()
    .where('contact_id', 'in', ids)
    .execute();
  const before = new Map(stored.map((row) => [row.contact_id, row]));
  const after = new Map<string, ContactRow | undefined>(before);
  for (const { event, sequence } of events) {
    after.set(event.contact_id, evolveContactRow(after.get(event.contact_id), event, sequence));
  }
  const upserts = [...after.values()].filter(
    (row): row is ContactRow => row !== undefined && row !== before.get(row.contact_id),
  );
  if (upserts.length === 0) return;
  await trx
    .insertInto('contacts')
    .values(upserts.map(toInsertable))
    .onConflict((oc) =>
      oc.column('contact_id').doUpdateSet((eb) => ({
        emails: eb.ref('excluded.emails'),
        ims: eb.ref('excluded.ims'),
        social_identities: eb.ref('excluded.social_identities'),
        updated_at: eb.ref('excluded.updated_at'),
        last_sequence: eb.ref('excluded.last_sequence'),
      })),
    )
    .execute();
}

function toInsertable(row: ContactRow): Insertable<ContactsTable> {
  return {
    ...row,
    emails: JSON.stringify(row.emails),
    ims: JSON.stringify(row.ims),
    social_identities: JSON.stringify(row.social_identities),
  };
}
