import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPosition } from './checkpoints.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('readPosition', () => {
  it('reads 0 for a projection that has committed nothing yet', async () => {
    expect(await readPosition(database.db, 'never-ran')).toBe(0);
  });

  it('reads the position that the projection committed last', async () => {
    await database.db
      .insertInto('projection_checkpoints')
      .values({ name: 'ran', position: 4711 })
      .execute();
    expect(await readPosition(database.db, 'ran')).toBe(4711);
  });
});
