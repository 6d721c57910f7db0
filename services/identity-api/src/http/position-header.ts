import type { Context } from 'hono';
import { readPosition, waitForPosition } from '../queries/read-model-position.ts';
import type { ApiEnv } from './api-env.ts';
import type { RouteDeps } from './route-deps.ts';

/**
 * Sets `Read-Model-Position`, after waiting for `min_sequence` when the client asked to read
 * its own writes. The position is read before the rows, so the rows are at least that fresh.
 */
export async function sendPosition(
  c: Context<ApiEnv>,
  { db, projectionName, readYourWrites }: RouteDeps,
  minSequence: number | undefined,
): Promise<void> {
  const position =
    minSequence === undefined
      ? await readPosition(db, projectionName)
      : await waitForPosition(db, projectionName, minSequence, {
          ...readYourWrites,
          signal: c.req.raw.signal,
        });
  c.header('Read-Model-Position', String(position));
}
