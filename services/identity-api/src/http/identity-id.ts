import type { Context } from 'hono';
import { identityNotFound } from '../commands/identity-log.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The `:id` of an identity route. Anything but a uuid is answered as not found: such an id
 * cannot exist, and it must not reach a NATS subject (`.`, `*` and `>` would change which
 * identities a read covers) or a uuid column (PostgreSQL would fail the query).
 */
export function identityIdParam(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!isUuid(id)) throw identityNotFound(id.slice(0, 64));
  return id.toLowerCase();
}
