import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type ReadModelDb } from './database.ts';
import { migrateToLatest } from './migrate.ts';

export interface TestDatabaseOptions {
  /**
   * A URL of the server on which the throwaway database is created; its database is only used
   * to run CREATE and DROP. Default: `DATABASE_URL`, else the local server as user postgres.
   */
  adminUrl?: string;
  /** Bring the schema to the latest version; true by default. */
  migrate?: boolean;
}

export interface TestDatabase {
  /** The name of the throwaway database, `ri_test_` and random hex. */
  name: string;
  url: string;
  db: ReadModelDb;
  /** Closes `db` and drops the database, even if other connections to it are still open. */
  drop(): Promise<void>;
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a database of its own for one test file, so that files running at the same time, or
 * other engineers' runs on the same server, never see each other's rows.
 */
export async function createTestDatabase({
  adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL,
  migrate = true,
}: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `ri_test_${randomBytes(6).toString('hex')}`;
  await runAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openDatabase({ url: url.toString() });
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await db.destroy();
    // FORCE ends connections that a test under way left open (PostgreSQL 13 and later).
    await runAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    if (migrate) await migrateToLatest(db);
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url: url.toString(), db, drop };
}

async function runAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
