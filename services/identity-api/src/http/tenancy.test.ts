import { silentLogger } from '@ri/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHs256Authenticator } from '../auth/authenticator.ts';
import { openLoginKeyStore } from '../commands/kv-login-key-store.ts';
import { ownContactId } from '../contacts/contact-id.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { insertIdentityRow } from '../testing/read-model-fixtures.ts';
import { EMAIL_PARAMS } from '../testing/requests.ts';
import { createApi } from './create-api.ts';

// Two users; everything below is Ann's, and Ben tries every route of the app on it.
const ANN = 'ann';
const BEN = 'ben';

let harness: ApiHarness;
let routes: { method: string; path: string }[];
const ann = { contactId: ownContactId(ANN), identityId: '' };

beforeAll(async () => {
  harness = await startHarness();
  // The route table of an app wired like the harness's: every route and method it serves.
  const app = createApi({
    log: harness.jetstream.log,
    db: harness.db,
    secrets: harness.secrets,
    logins: await openLoginKeyStore(harness.jetstream.js, { topology: harness.jetstream.topology }),
    auth: createHs256Authenticator({ secret: harness.jwtSecret }),
    logger: silentLogger(),
  });
  const seen = new Set<string>();
  routes = app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/'))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));

  await putContactEmail(harness, { as: ANN, emailId: 'mail' });
  await putContactEmail(harness, { as: ANN, emailId: 'ann-only' });
  await harness.call('PUT', '/v1/contacts/me/ims/chat', {
    as: ANN,
    json: { im: { address: '@ann:example.org' } },
  });
  await harness.call('PUT', '/v1/contacts/me/social_identities/social', {
    as: ANN,
    json: { social_identity: { address: '@ann@example.social' } },
  });
  const created = await harness.call('POST', '/v1/remote-identities', {
    as: ANN,
    json: { identity_type: 'email', identity_id: 'mail', params: EMAIL_PARAMS },
  });
  expect(created.status).toBe(201);
  ann.identityId = ((await created.json()) as { remote_identity_id: string }).remote_identity_id;
  // Ann's objects in the read model too, so that a read that forgot the user would find them.
  await insertIdentityRow(harness.db, { remote_identity_id: ann.identityId, user_id: ANN });
  await harness.db
    .insertInto('contacts')
    .values({
      contact_id: ann.contactId,
      user_id: ANN,
      emails: '[]',
      ims: '[]',
      social_identities: '[]',
      created_at: new Date(),
      updated_at: new Date(),
      last_sequence: 1,
    })
    .execute();
  // Ben has sub-objects of the same ids on his own contact.
  await putContactEmail(harness, { as: BEN, emailId: 'mail' });
});
afterAll(() => harness?.close());

/** Ann's ids in place of every path parameter. */
function annPath(path: string): string {
  return path
    .replace(':contact_id', ann.contactId)
    .replace(':id', ann.identityId)
    .replace(':email_id', 'mail')
    .replace(':im_id', 'chat')
    .replace(':social_identity_id', 'social');
}

const SUBOBJECT_BODY = {
  email: { address: 'ben@example.org' },
  im: { address: '@ben:example.org' },
  social_identity: { address: '@ben@example.social' },
};

type Probe = (path: string) => Promise<void>;

async function expectNotFound(method: string, path: string, json?: unknown): Promise<void> {
  const response = await harness.call(method, path, { as: BEN, json });
  expect(response.status, `${method} ${path}`).toBe(404);
}

async function expectListWithout(path: string, key: string, id: string): Promise<void> {
  const response = await harness.call('GET', path, { as: BEN });
  expect(response.status, path).toBe(200);
  const body = (await response.json()) as Record<string, Record<string, unknown>[]>;
  expect(JSON.stringify(body[key]), path).not.toContain(id);
}

/** What Ben gets on each route of the table; a route missing here fails the test. */
const PROBES: Record<string, Probe> = {
  'GET /v1/remote-identities': async (path) => {
    for (const query of ['', '?identity_type=email', '?connected=false&limit=500']) {
      await expectListWithout(path + query, 'remote_identities', ann.identityId);
    }
  },
  'POST /v1/remote-identities': async (path) => {
    // That email exists only on Ann's contact: Ben cannot create an identity on it.
    const response = await harness.call('POST', path, {
      as: BEN,
      json: { identity_type: 'email', identity_id: 'ann-only', params: EMAIL_PARAMS },
    });
    expect(response.status, path).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'IDENTITY_SUBOBJECT_NOT_FOUND' });
  },
  'GET /v1/remote-identities/:id': (path) => expectNotFound('GET', path),
  'PATCH /v1/remote-identities/:id': (path) =>
    expectNotFound('PATCH', path, { connection_required: true }),
  'DELETE /v1/remote-identities/:id': (path) => expectNotFound('DELETE', path),
  'GET /v1/contacts': (path) => expectListWithout(path, 'contacts', ann.contactId),
  'POST /v1/contacts': async (path) => {
    // Creates Ben's own contact, or finds it there; never Ann's.
    const response = await harness.call('POST', path, { as: BEN });
    expect([201, 409], path).toContain(response.status);
  },
  'GET /v1/contacts/:contact_id': (path) => expectNotFound('GET', path),
};
for (const [collection, kind] of [
  ['emails', 'email'],
  ['ims', 'im'],
  ['social_identities', 'social_identity'],
] as const) {
  const idParam = `:${kind}_id`;
  PROBES[`PUT /v1/contacts/:contact_id/${collection}/${idParam}`] = (path) =>
    expectNotFound('PUT', path, { [kind]: SUBOBJECT_BODY[kind] });
  PROBES[`DELETE /v1/contacts/:contact_id/${collection}/${idParam}`] = (path) =>
    expectNotFound('DELETE', path);
}

describe("another user's objects", () => {
  it('are invisible and unchangeable on every route of the app', async () => {
    const contactBefore = await harness.jetstream.log.readContact(ann.contactId);
    const identityBefore = await harness.events(ann.identityId);
    const unprobed = routes.filter((r) => !PROBES[`${r.method} ${r.path}`]);
    const publicRoutes = unprobed.filter((r) => r.path === '/v1/openapi.json');
    expect(unprobed.filter((r) => !publicRoutes.includes(r))).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(PROBES).length);

    for (const { method, path } of routes) {
      await PROBES[`${method} ${path}`]?.(annPath(path));
    }

    expect(await harness.jetstream.log.readContact(ann.contactId)).toEqual(contactBefore);
    expect(await harness.events(ann.identityId)).toEqual(identityBefore);
    const own = await harness.call('GET', `/v1/remote-identities/${ann.identityId}`, { as: ANN });
    expect(own.status).toBe(200);
  });
});
