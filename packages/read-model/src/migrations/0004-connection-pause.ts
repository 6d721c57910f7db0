import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * When the connector paused the identity after failing too long; null while it is not paused.
 * Rows of earlier releases start unpaused, which is what their logs hold: no pause existed.
 */
export const addConnectionPause: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('remote_identities')
      .addColumn('paused_since', 'timestamptz')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('remote_identities').dropColumn('paused_since').execute();
  },
};
