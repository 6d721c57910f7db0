import { z } from '@hono/zod-openapi';
// Strings from a request reach PostgreSQL through the projection, which refuses NUL and lone
// surrogates in text and jsonb: one accepted here would be an event that the read model can
// never apply. Other control characters are refused too, since they only confuse logs.
export const CONTROL_CHARACTERS = /\p{Cc}/u;
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `value` can be stored and logged as it is. */
export function isStorableText(value: string): boolean {
  return !CONTROL_CHARACTERS.test(value) && !LONE_SURROGATE.test(value);
}

/** A non-empty string of at most `max` characters that `isStorableText` accepts. */
export function storableText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');
}
