import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from './schema.ts';

/**
 * The last identity stream sequence that projection `name` has applied, or 0 when it has not
 * applied any. Rows written by the projection are committed together with this position, so a
 * reader that sees position N sees every change of events up to N.
 */
export async function readPosition(db: Kysely<ReadModelDatabase>, name: string): Promise<number> {
  const row = await db
    .selectFrom('projection_checkpoints')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.position ?? 0;
}
