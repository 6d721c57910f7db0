import type { Logger } from '@ri/logging';
import type { ReadModelDb } from '@ri/read-model';
import { OpenAPIHono } from '@hono/zod-openapi';
import { DestinationGuard } from '@ri/destinations';
import { bodyLimit } from 'hono/body-limit';
import type { Authenticator } from '../auth/authenticator.ts';
import { requireUser } from '../auth/require-user.ts';
import type { SecretSealer } from '../commands/create-identity.ts';
import type { DestinationCheck } from '../commands/destination-check.ts';
import type { IdentityLog } from '../commands/identity-log.ts';
import { LoginReservations, type LoginKeyStore } from '../commands/login-reservations.ts';
import { registerApiDocument } from '../contract/api-document.ts';
import { healthRoute } from '../contract/identity-routes.ts';
import { ApiError } from '../problems/api-error.ts';
import { asApiError, problemResponse } from '../problems/problem-response.ts';
import type { WaitForPositionOptions } from '../queries/read-model-position.ts';
import type { ApiEnv } from './api-env.ts';
import { registerContactRoutes } from '../contacts/contact-routes.ts';
import { registerCommandRoutes } from './command-routes.ts';
import { MAX_BODY_BYTES, refuseMalformedUtf8 } from './json-body.ts';
import { registerMethodGuards } from './method-guards.ts';
import { registerQueryRoutes } from './query-routes.ts';
import { requestLog } from './request-log.ts';

export interface IdentityApiDeps {
  /** Where commands append; an `EventLog` from `openJetStream`. */
  log: IdentityLog;
  /** The read model that the projection builds; every GET answers from it. */
  db: ReadModelDb;
  /** Seals passwords with each identity's data key, and shreds that key on DELETE. */
  secrets: SecretSealer;
  /**
   * Refuses mail servers that resolve to internal addresses (422 DESTINATION_NOT_ALLOWED); by
   * default a `DestinationGuard` that allows no private address at all.
   */
  destinations?: DestinationCheck;
  /** Where logins are reserved, so that none is registered twice; see `openLoginKeyStore`. */
  logins: LoginKeyStore;
  auth: Authenticator;
  logger: Logger;
  /** Clock of the events' `occurred_at`; the system clock by default. */
  now?: () => Date;
  /** The projection whose checkpoint `min_sequence` waits for; `remote-identities` by default. */
  projectionName?: string;
  /** How `min_sequence` waits: every 20 ms, for at most 5 s, by default. */
  readYourWrites?: Omit<WaitForPositionOptions, 'signal'>;
}

/**
 * The identity API as a hono app: writes go to the event log only, reads come from the read
 * model only. Every failure, thrown anywhere, is answered by the one `onError` below.
 */
export function createApi({
  log,
  db,
  secrets,
  destinations = new DestinationGuard({}),
  logins,
  auth,
  logger,
  now = () => new Date(),
  projectionName = 'remote-identities',
  readYourWrites = {},
}: IdentityApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const reservations = new LoginReservations({ store: logins, log });
  const deps = {
    log,
    db,
    secrets,
    destinations,
    logins: reservations,
    now,
    projectionName,
    readYourWrites,
  };

  app.use('*', requestLog(logger));
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  registerApiDocument(app);
  // Authentication comes before the body is read, so a stranger cannot make us buffer one.
  app.use('/v1/*', requireUser(auth));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError('BODY_TOO_LARGE', `The body must be at most ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  app.use('/v1/*', refuseMalformedUtf8);
  registerQueryRoutes(app, deps);
  registerCommandRoutes(app, deps);
  registerContactRoutes(app, deps);
  registerMethodGuards(app);

  app.notFound((c) => problemResponse(c, new ApiError('ROUTE_NOT_FOUND', 'No such route.')));
  app.onError((err, c) => {
    const error = asApiError(err);
    const requestLogger = c.get('logger') ?? logger;
    // Client mistakes are in the request line already; only our failures need their cause.
    if (error.code === 'INTERNAL') {
      requestLogger.error({ err }, 'request failed');
    } else if (error.code === 'LOG_UNAVAILABLE' || error.code === 'READ_MODEL_UNAVAILABLE') {
      requestLogger.warn({ err: error.cause }, error.message);
    }
    return problemResponse(c, error);
  });
  return app;
}
