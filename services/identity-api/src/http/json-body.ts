import type { Context } from 'hono';
import { ApiError } from '../problems/api-error.ts';

/** Largest accepted request body; an identity's params are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

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
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The parser's message quotes the input, which may hold a password: keep it as the cause only.
    throw new ApiError('MALFORMED_JSON', 'The body is not valid JSON.', { cause: err });
  }
}
