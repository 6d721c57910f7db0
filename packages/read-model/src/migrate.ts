import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { createRemoteIdentities } from './migrations/0001-remote-identities.ts';
import { createContacts } from './migrations/0002-contacts.ts';
import { addRunningFetches } from './migrations/0003-running-fetches.ts';
import { addConnectionPause } from './migrations/0004-connection-pause.ts';

/** Every migration, in order; names are stable because the database records them. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-remote-identities': createRemoteIdentities,
  '0002-contacts': createContacts,
  '0003-running-fetches': addRunningFetches,
  '0004-connection-pause': addConnectionPause,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema to the latest version; safe to call from every service at start. */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, {
      cause: error,
    });
  }
}
