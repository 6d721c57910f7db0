import type { Hono } from 'hono';
import type { ChangeIdentityResult } from '../commands/change-identity.ts';
import { parseCreateCommand, parseUpdateCommand } from '../commands/command-schemas.ts';
import { createIdentity } from '../commands/create-identity.ts';
import { deleteIdentity, updateIdentity } from '../commands/update-identity.ts';
import { findIdentity } from '../queries/identity-queries.ts';
import { factsOfRow, INITIAL_FACTS, representState } from '../representation/remote-identity.ts';
import type { ApiEnv } from './api-env.ts';
import { entityTag, parseIfMatch } from './entity-tags.ts';
import { identityIdParam } from './identity-id.ts';
import { readJsonBody } from './json-body.ts';
import {
  COLLECTION_PATH,
  eventMetadata,
  IDENTITY_PATH,
  identityLocation,
  type RouteDeps,
} from './route-deps.ts';

/** The write side: each route validates, decides and appends to the event log only. */
export function registerCommandRoutes(app: Hono<ApiEnv>, deps: RouteDeps): void {
  const { log, db, secrets, now } = deps;

  app.post(COLLECTION_PATH, async (c) => {
    const command = parseCreateCommand(await readJsonBody(c));
    const result = await createIdentity({ log, secrets, command, ...eventMetadata(c, now) });
    const id = result.state.remote_identity_id;
    logChange(c.get('logger'), id, result, 'remote identity created');
    // Nothing has connected yet, so the connector facts are their initial values.
    return c.json(representState(result.state, result.history, INITIAL_FACTS), 201, {
      Location: identityLocation(id),
      ETag: entityTag(result.sequence),
    });
  });

  app.patch(IDENTITY_PATH, async (c) => {
    const id = identityIdParam(c);
    const command = parseUpdateCommand(await readJsonBody(c));
    const result = await updateIdentity({
      log,
      secrets,
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
  });

  app.delete(IDENTITY_PATH, async (c) => {
    const id = identityIdParam(c);
    const result = await deleteIdentity({
      log,
      remoteIdentityId: id,
      precondition: parseIfMatch(c.req.header('If-Match')),
      ...eventMetadata(c, now),
    });
    logChange(c.get('logger'), id, result, 'remote identity deleted');
    return c.body(null, 204, { ETag: entityTag(result.sequence) });
  });
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
