import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The fetch ids running per identity: a connector may fetch INBOX and poll other folders at
 * once, so one fetch ending must not make the identity look idle while another runs.
 */
export const addRunningFetches: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('remote_identities')
      .addColumn('running_fetches', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('remote_identities').dropColumn('running_fetches').execute();
  },
};
