import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ChangeIdentityResult } from '../commands/change-identity.ts';
import { toCreateCommand, toUpdateCommand } from '../commands/command-schemas.ts';
import { createIdentity } from '../commands/create-identity.ts';
import { refuseDisallowedDestination } from '../commands/destination-check.ts';
import { refuseUnsupportedIdentityType } from '../commands/identity-type.ts';
import { deleteIdentity, updateIdentity } from '../commands/update-identity.ts';
import {
  createIdentityRoute,
  deleteIdentityRoute,
  updateIdentityRoute,
} from '../contract/identity-routes.ts';
import { findIdentity } from '../queries/identity-queries.ts';
import { factsOfRow, INITIAL_FACTS, representState } from '../representation/remote-identity.ts';
import type { ApiEnv } from './api-env.ts';
import { entityTag, parseIfMatch } from './entity-tags.ts';
import { identityIdParam } from './identity-id.ts';
import { readJsonBody } from './json-body.ts';
import { eventMetadata, identityLocation, type RouteDeps } from './route-deps.ts';
import { validationHook } from './validation-hook.ts';

/** The write side: each route validates, decides and appends to the event log only. */
export function registerCommandRoutes(app: OpenAPIHono<ApiEnv>, deps: RouteDeps): void {
  const { log, db, secrets, destinations, logins, now } = deps;

  app.openapi(
    {
      ...createIdentityRoute,
      middleware: [
        async function readRegistration(c, next) {
          // Before the schema runs: a type not registrable yet must be told as such.
          refuseUnsupportedIdentityType(await readJsonBody(c));
          await next();
        },
      ],
    },
    async (c) => {
      const command = toCreateCommand(c.req.valid('json'));
      await refuseDisallowedDestination(destinations, command.params.incomming_mail_server);
      const result = await createIdentity({
        log,
        secrets,
        logins,
        command,
        ...eventMetadata(c, now),
      });
      const id = result.state.remote_identity_id;
      logChange(c.get('logger'), id, result, 'remote identity created');
      // Nothing has connected yet, so the connector facts are their initial values.
      return c.json(representState(result.state, result.history, INITIAL_FACTS), 201, {
        Location: identityLocation(id),
        ETag: entityTag(result.sequence),
      });
    },
    validationHook(createIdentityRoute),
  );

  app.openapi(
    {
      ...updateIdentityRoute,
      middleware: [
        async function readChange(c, next) {
          // An unknown id is a 404 whatever the body; then the body's media type and syntax.
          identityIdParam(c);
          await readJsonBody(c);
          await next();
        },
      ],
    },
    async (c) => {
      const id = identityIdParam(c);
      const command = toUpdateCommand(c.req.valid('json'));
      await refuseDisallowedDestination(destinations, command.params?.incomming_mail_server);
      const result = await updateIdentity({
        log,
        secrets,
        logins,
        remoteIdentityId: id,
        command,
        precondition: parseIfMatch(c.req.header('If-Match')),
        ...eventMetadata(c, now),
      });
      logChange(c.get('logger'), id, result, 'remote identity updated');
      // Connector facts exist only in the read model; it may lag, but it never holds requests
      // newer than the log, which is why those come from the state just decided on.
      const row = await findIdentity(db, c.get('userId'), id);
      const facts = row ? factsOfRow(row) : INITIAL_FACTS;
      return c.json(representState(result.state, result.history, facts), 200, {
        ETag: entityTag(result.sequence),
      });
    },
    validationHook(updateIdentityRoute),
  );

  app.openapi(
    deleteIdentityRoute,
    async (c) => {
      const id = identityIdParam(c);
      const result = await deleteIdentity({
        log,
        secrets,
        logins,
        remoteIdentityId: id,
        precondition: parseIfMatch(c.req.header('If-Match')),
        ...eventMetadata(c, now),
      });
      logChange(c.get('logger'), id, result, 'remote identity deleted');
      return c.body(null, 204, { ETag: entityTag(result.sequence) });
    },
    validationHook(deleteIdentityRoute),
  );
}

function logChange(
  logger: ApiEnv['Variables']['logger'],
  remoteIdentityId: string,
  result: ChangeIdentityResult,
  message: string,
): void {
  logger.info(
    {
      remote_identity_id: remoteIdentityId,
      events: result.appended.map((event) => event.type),
      sequence: result.sequence,
    },
    message,
  );
}
