import type { Context, Next } from 'hono';
import { ApiError } from '../problems/api-error.ts';

/** Largest accepted request body; an identity's params are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

// RFC 8259 §8.1: JSON between systems is UTF-8. A lenient decoder would put U+FFFD in place of
// bad bytes, silently storing another login or password than the one the client holds.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/**
 * Reads a JSON request body. The media type is demanded rather than guessed, so that a form
 * post or plain text is refused (415) before anyone tries to interpret it.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  if (!isJsonMediaType(c.req.header('Content-Type'))) {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body with Content-Type: application/json.',
    );
  }
  const text = await readBodyText(c);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The parser's message quotes the input, which may hold a password: keep it as the cause only.
    throw new ApiError('MALFORMED_JSON', 'The body is not valid JSON.', { cause: err });
  }
}

/**
 * Refuses a JSON body that is not UTF-8 on every route, those whose contract validator reads
 * the body itself included; the body stays cached for them.
 */
export async function refuseMalformedUtf8(c: Context, next: Next): Promise<void> {
  if (isJsonMediaType(c.req.header('Content-Type'))) await readBodyText(c);
  await next();
}

async function readBodyText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    throw new ApiError('MALFORMED_JSON', 'The body is not valid UTF-8.', { cause: err });
  }
}
