import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('openDatabase on PostgreSQL', () => {
  it('survives the server ending a connection that is checked out between statements', async () => {
    const { db } = database;
    await db.connection().execute(async (connection) => {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection))
        .rows[0]!.pid;
      // Another connection of the pool ends it, as a server shutting down would.
      await sql`select pg_terminate_backend(${pid})`.execute(db);
      // Once the backend is gone, its FATAL has reached the idle, checked-out client.
      const gone = sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where pid = ${pid}`;
      while ((await gone.execute(db)).rows[0]!.n > 0) await new Promise(setImmediate);
      await expect(sql`select 1`.execute(connection)).rejects.toThrow();
    });
    // The broken client was discarded on release: the pool serves queries again.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});
