import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from '../http/api-env.ts';
import { ApiError } from '../problems/api-error.ts';
import type { Authenticator } from './authenticator.ts';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** Demands a valid bearer token and puts its user id on the context as `userId`. */
export function requireUser(auth: Authenticator): MiddlewareHandler<ApiEnv> {
  return async function requireUserMiddleware(c, next) {
    const header = c.req.header('Authorization');
    if (!header) {
      throw new ApiError('UNAUTHENTICATED', 'Send an Authorization: Bearer <token> header.');
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      throw new ApiError(
        'UNAUTHENTICATED',
        'The Authorization header must use the Bearer scheme.',
        {
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
        },
      );
    }
    const { userId } = await auth.verify(token);
    c.set('userId', userId);
    await next();
  };
}
