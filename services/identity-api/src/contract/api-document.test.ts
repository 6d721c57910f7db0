import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { silentLogger } from '@ri/logging';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../http/create-api.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { insertIdentityRow } from '../testing/read-model-fixtures.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { EMAIL_PARAMS, registration } from '../testing/requests.ts';
import { DOCUMENT_PATH, REFERENCE_PATH } from './api-document.ts';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext resolution.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let harness: ApiHarness;
let document: OpenApiDocument;
let ajv: Ajv2020;
beforeAll(async () => {
  harness = await startHarness();
  const response = await harness.call('GET', DOCUMENT_PATH, { as: null });
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is registered whole so that
  // its `#/components/schemas` references resolve. Non-strict, for OpenAPI's own keywords.
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema(document, 'api');
});
afterAll(() => harness?.close());

/** Checks a real answer against the schema the document gives its path, method and status. */
async function expectDocumented(response: Response, path: string, method: string) {
  const documented = document.paths[path]?.[method]?.responses[String(response.status)];
  expect(documented, `${method} ${path} ${response.status} is documented`).toBeDefined();
  const mediaType = response.headers.get('content-type')?.split(';')[0] ?? '';
  const content = documented?.content?.[mediaType];
  expect(content, `${mediaType} is documented for ${response.status}`).toBeDefined();
  const pointer = ['paths', path, method, 'responses', String(response.status), 'content']
    .concat(mediaType, 'schema')
    .map((key) => key.replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('/');
  const validate = ajv.getSchema(`api#/${pointer}`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  const body: unknown = await response.json();
  expect(validate(body) ? [] : validate.errors).toEqual([]);
  return body as Record<string, unknown>;
}

describe('the OpenAPI document', () => {
  it('is served without a token and is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('declares the bearer scheme and requires it on every /v1 operation', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!path.startsWith('/v1/')) continue;
        expect({ method, path, security: operation.security }).toEqual({
          method,
          path,
          security: [{ bearerAuth: [] }],
        });
      }
    }
  });

  it('describes every route the app serves', () => {
    const app = createApi({
      log: {} as never,
      db: {} as never,
      secrets: {} as never,
      logins: {} as never,
      auth: { verify: () => Promise.reject(new Error('not called')) },
      logger: silentLogger(),
    });
    const served = app.routes
      // `ALL` entries are middleware and the 405 guards; the document and its page describe
      // the API, not themselves.
      .filter((route) => route.method !== 'ALL')
      .filter((route) => route.path !== DOCUMENT_PATH && route.path !== REFERENCE_PATH)
      .map((route) => `${route.method} ${route.path.replaceAll(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThanOrEqual(6);
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it('serves a browsable reference of the document without a token', async () => {
    const response = await harness.call('GET', REFERENCE_PATH, { as: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain(DOCUMENT_PATH);
  });
});

describe('real answers', () => {
  const COLLECTION = '/v1/remote-identities';
  const ONE = '/v1/remote-identities/{id}';

  it('match the documented schemas for create, get, list and patch', async () => {
    const user = `contract-${randomUUID()}`;
    await putContactEmail(harness, { as: user });
    const created = await harness.call('POST', COLLECTION, { as: user, json: registration() });
    expect(created.status).toBe(201);
    const body = await expectDocumented(created, COLLECTION, 'post');
    const id = String(body.remote_identity_id);

    const patched = await harness.call('PATCH', `${COLLECTION}/${id}`, {
      as: user,
      json: { params: { mail_port: 143 } },
    });
    expect(patched.status).toBe(200);
    await expectDocumented(patched, ONE, 'patch');

    // Reads come from the read model, which no projection fills here: state its row.
    const rowId = await insertIdentityRow(harness.db, {
      user_id: user,
      last_error: { code: 'TIMEOUT', message: 'no answer', at: '2025-05-06T07:00:00.000Z' },
      last_connection: new Date('2025-05-06T07:08:09Z'),
      paused_since: new Date('2025-05-09T07:08:09Z'),
    });
    const got = await harness.call('GET', `${COLLECTION}/${rowId}`, { as: user });
    expect(got.status).toBe(200);
    await expectDocumented(got, ONE, 'get');
    const listed = await harness.call('GET', `${COLLECTION}?connected=false&limit=5`, { as: user });
    expect(listed.status).toBe(200);
    expect(await expectDocumented(listed, COLLECTION, 'get')).toMatchObject({ total: 1 });
  });

  it('match the documented problem schema for a 422 and a 404', async () => {
    const invalid = await harness.call('POST', COLLECTION, {
      json: registration({ params: { ...EMAIL_PARAMS, mail_port: 0 } }),
    });
    expect(invalid.status).toBe(422);
    await expectDocumented(invalid, COLLECTION, 'post');
    const missing = await harness.call('GET', `${COLLECTION}/${randomUUID()}`);
    expect(missing.status).toBe(404);
    await expectDocumented(missing, ONE, 'get');
  });
});
