import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { findIdentity, listIdentities } from '../queries/identity-queries.ts';
import { readPosition, waitForPosition } from '../queries/read-model-position.ts';
import { identityNotFound } from '../commands/identity-log.ts';
import { representRow } from '../representation/remote-identity.ts';
import { validate } from '../problems/validation.ts';
import type { ApiEnv } from './api-env.ts';
import { entityTag } from './entity-tags.ts';
import { identityIdParam } from './identity-id.ts';
import { COLLECTION_PATH, IDENTITY_PATH, type RouteDeps } from './route-deps.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

function integerParam(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message))
    .optional();
}

const readQuerySchema = z.object({ min_sequence: integerParam(0, Number.MAX_SAFE_INTEGER) });
const listQuerySchema = readQuerySchema.extend({
  limit: integerParam(1, MAX_LIMIT),
  offset: integerParam(0, Number.MAX_SAFE_INTEGER),
});

/** The read side: answers from the read model only, never from the event log. */
export function registerQueryRoutes(app: Hono<ApiEnv>, deps: RouteDeps): void {
  const { db } = deps;

  app.get(COLLECTION_PATH, async (c) => {
    const query = validate(listQuerySchema, c.req.query());
    await sendPosition(c, deps, query.min_sequence);
    const page = await listIdentities(db, c.get('userId'), {
      limit: query.limit ?? DEFAULT_LIMIT,
      offset: query.offset ?? 0,
    });
    return c.json({ total: page.total, remote_identities: page.rows.map(representRow) });
  });

  app.get(IDENTITY_PATH, async (c) => {
    const query = validate(readQuerySchema, c.req.query());
    await sendPosition(c, deps, query.min_sequence);
    const id = identityIdParam(c);
    const row = await findIdentity(db, c.get('userId'), id);
    if (!row) throw identityNotFound(id);
    return c.json(representRow(row), 200, { ETag: entityTag(Number(row.last_sequence)) });
  });
}

/**
 * Sets `Read-Model-Position`, after waiting for `min_sequence` when the client asked to read
 * its own writes. The position is read before the rows, so the rows are at least that fresh.
 */
async function sendPosition(
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
