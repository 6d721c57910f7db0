import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const createRemoteIdentities: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('remote_identities')
      .addColumn('remote_identity_id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('identity_type', 'text', (c) => c.notNull())
      .addColumn('identity_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text')
      .addColumn('params', 'jsonb', (c) => c.notNull())
      .addColumn('connection_required', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('cancel_fetch_required', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('is_fetching', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('connected', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('last_connection', 'timestamptz')
      .addColumn('last_error', 'jsonb')
      .addColumn('messages_fetched', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_sequence', 'bigint', (c) => c.notNull())
      .execute();
    // The list route pages through one user's identities in creation order.
    await db.schema
      .createIndex('remote_identities_user_created')
      .on('remote_identities')
      .columns(['user_id', 'created_at', 'remote_identity_id'])
      .execute();
    await db.schema
      .createTable('projection_checkpoints')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('projection_checkpoints').execute();
    await db.schema.dropTable('remote_identities').execute();
  },
};
