import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ReadModelDatabase } from './schema.ts';

// bigint columns hold counts and stream sequences, far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, embedded PGlite in `dataDir` is used. */
  url?: string;
  /** Folder of the embedded database; only used without `url`. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

export type ReadModelDb = Kysely<ReadModelDatabase>;

/**
 * Opens the read model. PGlite is a single in-process connection, so the embedded default
 * only suits running every service in one process (`pnpm start`).
 */
export function openDatabase({ url, dataDir, maxConnections = 10 }: DatabaseOptions): ReadModelDb {
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: maxConnections });
    // An idle connection that the server closes (a restart, a terminated backend) would
    // otherwise be an uncaught exception; the pool drops it and the next query reconnects.
    pool.on('error', () => undefined);
    // The pool listens to idle clients only. One checked out, between two statements of a
    // transaction say, emits the server's FATAL (57P01 on `pg_ctl stop -m fast`) with no
    // listener: an uncaught exception that ends the process. Its next statement fails instead,
    // and the pool discards it when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  }
  const pglite = new PGlite(dataDir ?? 'memory://', {
    parsers: { 20: (v: string) => Number(v) },
  });
  return new Kysely<ReadModelDatabase>({ dialect: new PGliteDialect({ pglite }) });
}
