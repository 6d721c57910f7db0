import type { Logger } from '@ri/logging';

/** What the middleware puts on each request's context for the handlers after it. */
export interface ApiEnv {
  Variables: {
    /** Set by `requireUser`; absent on the routes that need no token. */
    userId: string;
    /** A uuid per request, sent back as `X-Request-Id` and used as the events' correlation id. */
    requestId: string;
    /** The service logger with `request_id` bound. */
    logger: Logger;
  };
}
