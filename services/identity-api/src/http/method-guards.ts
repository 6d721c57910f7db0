import type { Hono } from 'hono';
import { DOCUMENT_PATH, REFERENCE_PATH } from '../contract/api-document.ts';
import { ApiError } from '../problems/api-error.ts';
import type { ApiEnv } from './api-env.ts';
import { COLLECTION_PATH, IDENTITY_PATH } from './route-deps.ts';

/** The methods each path serves, for the `Allow` header of a 405. */
const ALLOWED_METHODS: Record<string, string> = {
  '/healthz': 'GET',
  [DOCUMENT_PATH]: 'GET',
  [REFERENCE_PATH]: 'GET',
  [COLLECTION_PATH]: 'GET, POST',
  [IDENTITY_PATH]: 'GET, PATCH, DELETE',
};

/**
 * Answers 405 on a known path with a method it does not serve. Registered after the routes:
 * hono runs the first handler that matches, so these only see what the routes left.
 */
export function registerMethodGuards(app: Hono<ApiEnv>): void {
  for (const [path, allow] of Object.entries(ALLOWED_METHODS)) {
    app.all(path, (c) => {
      throw new ApiError(
        'METHOD_NOT_ALLOWED',
        `${c.req.method} is not served here; use ${allow}.`,
        {
          headers: { Allow: allow },
        },
      );
    });
  }
}
