import type { OpenAPIHono } from '@hono/zod-openapi';
import { identityNotFound } from '../commands/identity-log.ts';
import { getIdentityRoute, listIdentitiesRoute } from '../contract/identity-routes.ts';
import { findIdentity, listIdentities } from '../queries/identity-queries.ts';
import { DEFAULT_LIMIT } from '../queries/query-schemas.ts';
import { representRow } from '../representation/remote-identity.ts';
import type { ApiEnv } from './api-env.ts';
import { entityTag } from './entity-tags.ts';
import { identityIdParam } from './identity-id.ts';
import { sendPosition } from './position-header.ts';
import type { RouteDeps } from './route-deps.ts';
import { validationHook } from './validation-hook.ts';

/** The read side: answers from the read model only, never from the event log. */
export function registerQueryRoutes(app: OpenAPIHono<ApiEnv>, deps: RouteDeps): void {
  const { db } = deps;

  app.openapi(
    listIdentitiesRoute,
    async (c) => {
      const { min_sequence, limit, offset, ...filters } = c.req.valid('query');
      // Without a wait the position comes with the rows, saving a round trip on every list.
      if (min_sequence !== undefined) await sendPosition(c, deps, min_sequence);
      const page = await listIdentities(db, c.get('userId'), {
        limit: limit ?? DEFAULT_LIMIT,
        offset: offset ?? 0,
        filters,
        ...(min_sequence === undefined ? { positionOf: deps.projectionName } : {}),
      });
      if (page.position !== undefined) c.header('Read-Model-Position', String(page.position));
      return c.json({ total: page.total, remote_identities: page.rows.map(representRow) }, 200);
    },
    validationHook(listIdentitiesRoute),
  );

  app.openapi(
    getIdentityRoute,
    async (c) => {
      await sendPosition(c, deps, c.req.valid('query').min_sequence);
      const id = identityIdParam(c);
      const row = await findIdentity(db, c.get('userId'), id);
      if (!row) throw identityNotFound(id);
      return c.json(representRow(row), 200, { ETag: entityTag(Number(row.last_sequence)) });
    },
    validationHook(getIdentityRoute),
  );
}
