import type { ReadModelDb } from '@ri/read-model';
import { onReadModel } from '../queries/on-read-model.ts';
import type { ContactRow } from './contact-representation.ts';

/** The user's contact from the read model; another user's is as absent as a missing one. */
export function findContact(
  db: ReadModelDb,
  userId: string,
  contactId: string,
): Promise<ContactRow | undefined> {
  return onReadModel(() =>
    db
      .selectFrom('contacts')
      .selectAll()
      .where('contact_id', '=', contactId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),
  );
}

/** Every contact of the user: one at most today, as a user has only their own. */
export function listContacts(db: ReadModelDb, userId: string): Promise<ContactRow[]> {
  return onReadModel(() =>
    db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('contact_id')
      .execute(),
  );
}
