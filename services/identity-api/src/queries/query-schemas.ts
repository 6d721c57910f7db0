import { z } from '@hono/zod-openapi';
import { identityTypeSchema } from '../commands/identity-type.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

function integerParam(min: number, max: number, description: string) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message))
    .optional()
    .openapi({ type: 'integer', minimum: min, maximum: max, description });
}

// Query strings only carry text: a boolean is spelled out, and anything else is refused rather
// than read as false, so that a typo never silently widens a filter.
function booleanParam(description: string) {
  return z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .optional()
    .openapi({ description });
}

/** The query of every read: `min_sequence` asks to read one's own writes. */
export const readQuerySchema = z.object({
  min_sequence: integerParam(
    0,
    Number.MAX_SAFE_INTEGER,
    'Wait (5 s at most) until the read model has applied this stream sequence, such as a ' +
      '`sequence` a command answered with. `Read-Model-Position` tells how far it got.',
  ),
});

/** The query of the list: filters, then a page of the matches. */
export const listQuerySchema = readQuerySchema.extend({
  identity_type: identityTypeSchema.optional(),
  connected: booleanParam('Only identities whose connector is (or is not) connected.'),
  is_fetching: booleanParam('Only identities that are (or are not) fetching.'),
  limit: integerParam(1, MAX_LIMIT, `Page size; ${DEFAULT_LIMIT} by default.`),
  offset: integerParam(0, Number.MAX_SAFE_INTEGER, 'Matches to skip; 0 by default.'),
});

export type ListQuery = z.output<typeof listQuerySchema>;
