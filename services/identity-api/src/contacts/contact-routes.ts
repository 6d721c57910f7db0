import { OpenAPIHono } from '@hono/zod-openapi';
import { CONTACT_SUBOBJECT_KINDS, findSubObject, type ContactSubObjectKind } from '@ri/events';
import type { Hono } from 'hono';
import type { ApiEnv } from '../http/api-env.ts';
import { entityTag } from '../http/entity-tags.ts';
import { eventMetadata, type RouteDeps } from '../http/route-deps.ts';
import { validationHook } from '../http/validation-hook.ts';
import { ApiError } from '../problems/api-error.ts';
import { validationError } from '../problems/validation.ts';
import { sendPosition } from '../http/position-header.ts';
import {
  CONTACT_PATH,
  CONTACTS_PATH,
  createContactRoute,
  deleteSubObjectRoute,
  getContactRoute,
  listContactsRoute,
  putSubObjectRoute,
  subObjectPath,
} from './contact-contract.ts';
import { contactNotFound, ownContactId, resolveContactId } from './contact-id.ts';
import { changeContact } from './contact-log.ts';
import { findContact, listContacts } from './contact-queries.ts';
import {
  representContactRow,
  representContactState,
  representSubObject,
} from './contact-representation.ts';
import { isSubObjectId, SUBOBJECT_KINDS, toSubObject } from './contact-schemas.ts';
import {
  decideCreateContact,
  decideRemoveSubObject,
  decideSetSubObject,
  subObjectNotFound,
} from './decide-contact.ts';
import { followSubObject, liveIdentitiesOn } from './identity-provider.ts';

/**
 * Registers the contact routes on the API: reads from the read model, writes to the contact's
 * subject of the event log. Every route is scoped to the caller's own contact.
 */
export function registerContactRoutes(app: Hono<ApiEnv>, deps: RouteDeps): void {
  const contacts = new OpenAPIHono<ApiEnv>();
  const { log, db, now } = deps;

  contacts.openapi(
    listContactsRoute,
    async (c) => {
      await sendPosition(c, deps, c.req.valid('query').min_sequence);
      const rows = await listContacts(db, c.get('userId'));
      return c.json({ total: rows.length, contacts: rows.map(representContactRow) }, 200);
    },
    validationHook(listContactsRoute),
  );

  contacts.openapi(createContactRoute, async (c) => {
    const contactId = ownContactId(c.get('userId'));
    const result = await changeContact({
      log,
      contactId,
      decide: decideCreateContact,
      ...eventMetadata(c, now),
    });
    if (!result.after) throw new Error('ContactCreated did not produce a state');
    c.get('logger').info({ contact_id: contactId, sequence: result.sequence }, 'contact created');
    const body = representContactState(result.after, result.after.created_at, result.sequence);
    return c.json(body, 201, {
      Location: `${CONTACTS_PATH}/${contactId}`,
      ETag: entityTag(result.sequence),
    });
  });

  contacts.openapi(
    getContactRoute,
    async (c) => {
      await sendPosition(c, deps, c.req.valid('query').min_sequence);
      const userId = c.get('userId');
      const contactId = resolveContactId(c.req.valid('param').contact_id, userId);
      const row = await findContact(db, userId, contactId);
      if (!row) throw contactNotFound(contactId);
      return c.json(representContactRow(row), 200, { ETag: entityTag(Number(row.last_sequence)) });
    },
    validationHook(getContactRoute),
  );

  for (const kind of CONTACT_SUBOBJECT_KINDS) registerSubObjectRoutes(contacts, deps, kind);
  registerContactMethodGuards(contacts);
  app.route('/', contacts);
}

function registerSubObjectRoutes(
  contacts: OpenAPIHono<ApiEnv>,
  { log, now }: RouteDeps,
  kind: ContactSubObjectKind,
): void {
  const { idField, bodyKey } = SUBOBJECT_KINDS[kind];
  const putRoute = putSubObjectRoute(kind);
  const deleteRoute = deleteSubObjectRoute(kind);

  contacts.openapi(
    putRoute,
    async (c) => {
      const userId = c.get('userId');
      const contactId = resolveContactId(c.req.param('contact_id') ?? '', userId);
      const id = c.req.param(idField) ?? '';
      if (!isSubObjectId(id)) {
        throw validationError([
          { path: `/${idField}`, message: 'must be 1 to 200 of A-Z a-z 0-9 . _ ~ @ + -' },
        ]);
      }
      const body = c.req.valid('json') as Record<string, Parameters<typeof toSubObject>[0]>;
      const given = body[bodyKey];
      if (!given) throw validationError([{ path: `/${bodyKey}`, message: 'is required' }]);
      const wanted = toSubObject(given);
      const metadata = eventMetadata(c, now);
      const result = await changeContact({
        log,
        contactId,
        decide: (state) => decideSetSubObject(state, kind, id, wanted),
        ...metadata,
      });
      const stored = result.after && findSubObject(result.after, kind, id);
      if (!result.after || !stored) throw new Error(`the ${kind} set is not in the contact`);
      c.get('logger').info(
        { contact_id: contactId, events: result.appended.map((e) => e.type) },
        `contact ${kind} set`,
      );
      // 2. Identities created on this sub-object follow its provider before the answer, so
      // that a client that saw 200 knows the next connection is routed anew.
      await followSubObject({ log, contact: result.after, kind, subObjectId: id, ...metadata });
      const existed = result.before && findSubObject(result.before, kind, id);
      return c.json(representSubObject(kind, stored), existed ? 200 : 201, {
        ETag: entityTag(result.sequence),
      });
    },
    validationHook(putRoute),
  );

  contacts.openapi(deleteRoute, async (c) => {
    const userId = c.get('userId');
    const contactId = resolveContactId(c.req.param('contact_id') ?? '', userId);
    const id = c.req.param(idField) ?? '';
    if (!isSubObjectId(id)) throw subObjectNotFound(kind, id);
    // An identity on a removed sub-object would point at nothing and silently follow whatever
    // is later put under the same id.
    // LIMITATION: checked before the removal is appended, so an identity registered in between
    // can still be left bound; its creation re-reads the contact but not this removal.
    const inUse = await liveIdentitiesOn(log, contactId, userId, kind, id);
    if (inUse.length > 0) {
      throw new ApiError(
        'SUBOBJECT_IN_USE',
        `Remote identities ${inUse.join(', ')} are registered on this ${kind}; delete them first.`,
      );
    }
    const result = await changeContact({
      log,
      contactId,
      decide: (state) => decideRemoveSubObject(state, kind, id),
      ...eventMetadata(c, now),
    });
    c.get('logger').info({ contact_id: contactId }, `contact ${kind} removed`);
    return c.body(null, 204, { ETag: entityTag(result.sequence) });
  });
}

/** The methods each contact path serves, for the `Allow` header of a 405. */
function registerContactMethodGuards(contacts: OpenAPIHono<ApiEnv>): void {
  const allowed: Record<string, string> = {
    [CONTACTS_PATH]: 'GET, POST',
    [CONTACT_PATH]: 'GET',
  };
  for (const kind of CONTACT_SUBOBJECT_KINDS) allowed[subObjectPath(kind)] = 'PUT, DELETE';
  for (const [path, allow] of Object.entries(allowed)) {
    contacts.all(path.replaceAll(/\{(\w+)\}/g, ':$1'), () => {
      throw new ApiError(
        'METHOD_NOT_ALLOWED',
        'This method is not served here; use ' + allow + '.',
        {
          headers: { Allow: allow },
        },
      );
    });
  }
}
