import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A user's contact, one row, with its sub-objects as jsonb lists: they are always read and
 * written with their contact, and a contact holds a handful of them.
 */
export const createContacts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('contacts')
      .addColumn('contact_id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('emails', 'jsonb', (c) => c.notNull())
      .addColumn('ims', 'jsonb', (c) => c.notNull())
      .addColumn('social_identities', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_sequence', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('contacts_user').on('contacts').column('user_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('contacts').execute();
  },
};
