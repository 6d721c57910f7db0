import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { BEARER_SCHEME } from './identity-routes.ts';

export const DOCUMENT_PATH = '/v1/openapi.json';
export const REFERENCE_PATH = '/docs';

const DOCUMENT_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Remote identities API',
    version: '1.0.0',
    description:
      'Register third-party mail accounts and follow what their connectors do. Commands ' +
      'answer from the event log; reads answer from a read model that may lag: pass a ' +
      "command's `sequence` as `min_sequence` to read your own writes. Every error is an " +
      'RFC 9457 problem (`application/problem+json`) whose `code` is stable. Any path answers ' +
      '404 ROUTE_NOT_FOUND when unknown and 405 METHOD_NOT_ALLOWED (with `Allow`) for a ' +
      'method it does not serve.',
  },
} as const;

/**
 * Serves the contract, generated from the routes' own zod schemas, and a browsable reference
 * of it; neither needs a token, so register them before authentication. The document is built
 * on first request, once every route is registered, and kept: routes do not change at runtime.
 */
export function registerApiDocument<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An HS256 JWT whose `sub` is the user id; `exp` is required.',
  });
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get(DOCUMENT_PATH, (c) => {
    document ??= app.getOpenAPI31Document(DOCUMENT_INFO);
    return c.json(document);
  });
  // The page loads Swagger UI's script from a CDN in the reader's browser; the API serves
  // only the HTML that points at it.
  app.get(REFERENCE_PATH, swaggerUI({ url: DOCUMENT_PATH, title: DOCUMENT_INFO.info.title }));
}
