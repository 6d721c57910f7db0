import { randomUUID } from 'node:crypto';
import type { Logger } from '@ri/logging';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './api-env.ts';
import { isUuid } from './identity-id.ts';

/**
 * Gives each request an id and a child logger, and logs one line when it ends. The line holds
 * what an operator needs and nothing a client sent as content: no body, no headers, no query.
 * A caller's `X-Request-Id` is kept when it is a uuid, since it becomes the events' correlation
 * id, which must be one.
 */
export function requestLog(logger: Logger): MiddlewareHandler<ApiEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const given = c.req.header('X-Request-Id');
    const requestId = given && isUuid(given) ? given.toLowerCase() : randomUUID();
    const requestLogger = logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('logger', requestLogger);
    await next();
    c.header('X-Request-Id', requestId);
    requestLogger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        user_id: c.get('userId'),
      },
      'request',
    );
  };
}
