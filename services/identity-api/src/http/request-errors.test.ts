import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevelopmentToken } from '../auth/authenticator.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import {
  EMAIL_PARAMS,
  PASSWORD,
  problemOf,
  registration,
  withoutKey,
} from '../testing/requests.ts';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
  // Identities are created on a sub-object of the caller's contact, which must exist first.
  await putContactEmail(harness);
});
afterAll(() => harness?.close());

const COLLECTION = '/v1/remote-identities';

describe('authentication', () => {
  it('answers 200 on /healthz without a token', async () => {
    const response = await harness.call('GET', '/healthz', { as: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const response = await harness.call('GET', COLLECTION, { as: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await problemOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('answers 401 for a token signed with another secret', async () => {
    const token = await signDevelopmentToken('x'.repeat(40), 'alice');
    const response = await harness.call('GET', COLLECTION, {
      as: null,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('answers 401 for an expired token', async () => {
    const token = await signDevelopmentToken(harness.jwtSecret, 'alice', -120);
    const response = await harness.call('GET', COLLECTION, {
      as: null,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect((await problemOf(response)).detail).toMatch(/expired/);
  });

  it('answers 401 for a token without exp', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode(harness.jwtSecret));
    const response = await harness.call('GET', COLLECTION, {
      as: null,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
  });

  it('answers 401 for another scheme than Bearer', async () => {
    const response = await harness.call('GET', COLLECTION, {
      as: null,
      headers: { Authorization: 'Basic YWxpY2U6cGFzcw==' },
    });
    expect(response.status).toBe(401);
  });

  it('never logs the Authorization header', async () => {
    const token = await signDevelopmentToken(harness.jwtSecret, 'alice');
    await harness.call('GET', COLLECTION, {
      as: null,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(harness.logLines.join('')).not.toContain(token);
  });
});

describe('request bodies', () => {
  it('answers 400 MALFORMED_JSON for a body that is not JSON', async () => {
    const response = await harness.call('POST', COLLECTION, {
      body: '{"identity_type": "email",',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('answers 400 MALFORMED_JSON for a body that is not UTF-8, on every route', async () => {
    const valid = new TextEncoder().encode(JSON.stringify(registration()));
    const text = new TextDecoder().decode(valid);
    for (const [bad, at] of [
      [[0x71, 0xff, 0xfe], text.indexOf('alice+')],
      [[0xc3, 0x28], text.indexOf(PASSWORD)],
    ] as const) {
      const body = new Uint8Array([...valid.subarray(0, at), ...bad, ...valid.subarray(at)]);
      const response = await harness.call('POST', COLLECTION, {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({
        code: 'MALFORMED_JSON',
        detail: 'The body is not valid UTF-8.',
      });
    }
    const contact = await harness.call('PUT', '/v1/contacts/me/emails/bob@example.org', {
      body: new Uint8Array([...new TextEncoder().encode('{"email": {"label": "'), 0xff, 0x22]),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(contact.status).toBe(400);
    expect(await problemOf(contact)).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('answers 415 for a body that is not declared as application/json', async () => {
    const response = await harness.call('POST', COLLECTION, {
      body: JSON.stringify(registration()),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(await problemOf(response)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('accepts a charset parameter on application/json', async () => {
    const response = await harness.call('POST', COLLECTION, {
      body: JSON.stringify(registration()),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(201);
  });

  it('answers 413 BODY_TOO_LARGE for a body over 64 KiB', async () => {
    const response = await harness.call('POST', COLLECTION, {
      json: registration({ identity_id: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('answers 413 for an oversized body sent in chunks without Content-Length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${harness.api.url}${COLLECTION}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await signDevelopmentToken(harness.jwtSecret, 'alice')}`,
        'Content-Type': 'application/json',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });
});

describe('validation', () => {
  async function expectInvalid(body: unknown, path: string): Promise<void> {
    const response = await harness.call('POST', COLLECTION, { json: body });
    expect(response.status).toBe(422);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
  }

  it.each([0, 70000, 'abc'])('answers 422 for the port %j', async (port) => {
    await expectInvalid(
      registration({ params: { ...EMAIL_PARAMS, mail_port: port } }),
      '/params/mail_port',
    );
  });

  it('answers 422 for an unknown key in params', async () => {
    await expectInvalid(registration({ params: { ...EMAIL_PARAMS, tls: true } }), '/params/tls');
  });

  it('answers 422 for a missing password', async () => {
    const params = withoutKey(EMAIL_PARAMS, 'password');
    await expectInvalid(registration({ params }), '/params/password');
  });

  it('answers 422 for an unknown key in the body', async () => {
    await expectInvalid(registration({ owner: 'bob' }), '/owner');
  });

  it('answers 422 IDENTITY_SUBOBJECT_NOT_FOUND for an im or social identity it lacks', async () => {
    for (const identity_type of ['im', 'social_identity']) {
      const params = { ...EMAIL_PARAMS, login: `login-of-${identity_type}` };
      const response = await harness.call('POST', COLLECTION, {
        json: registration({ identity_type, params }),
      });
      expect(response.status).toBe(422);
      expect(await problemOf(response)).toMatchObject({ code: 'IDENTITY_SUBOBJECT_NOT_FOUND' });
    }
  });

  it('answers 422 for a list limit above 500', async () => {
    const response = await harness.call('GET', `${COLLECTION}?limit=501`);
    expect(response.status).toBe(422);
    expect((await problemOf(response)).errors).toEqual([
      { path: '/limit', message: expect.stringMatching(/1 to 500/) },
    ]);
  });
});

describe('odd input', () => {
  it('never answers 500', async () => {
    const id = '6f1b9c1e-2f7a-4c55-9d0e-0a3b1c2d3e4f';
    const json = { 'Content-Type': 'application/json' };
    const requests: [string, string, RequestInit['body']?, Record<string, string>?][] = [
      ['GET', `${COLLECTION}/%E0%A4%A`],
      ['GET', `${COLLECTION}/%00`],
      ['GET', `${COLLECTION}?limit=abc&offset=-3`],
      ['GET', `${COLLECTION}?min_sequence=99999999999999999999`],
      ['POST', COLLECTION, 'null', json],
      ['POST', COLLECTION, '42', json],
      ['POST', COLLECTION, '', json],
      ['POST', COLLECTION, '{"__proto__": {"identity_type": "email"}}', json],
      ['POST', COLLECTION, '{"identity_type": "email", "params": {"mail_port": 1e400}}', json],
      ['PATCH', `${COLLECTION}/${id}`, '{}', { ...json, 'If-Match': 'garbage' }],
      ['PATCH', `${COLLECTION}/${id}`, '[]', json],
      ['DELETE', `${COLLECTION}/${id}`, undefined, { 'If-Match': '"1", W/"2", *' }],
    ];
    for (const [method, path, body, headers] of requests) {
      const response = await harness.call(method, path, { body, headers });
      expect({ method, path, status: response.status }).toEqual({
        method,
        path,
        status: expect.toSatisfy((status: number) => status >= 400 && status < 500),
      });
      await problemOf(response);
    }
  });
});

describe('routing', () => {
  it('answers 404 ROUTE_NOT_FOUND as a problem', async () => {
    const response = await harness.call('GET', '/v2/anything');
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  it('answers 405 with Allow for a method the path does not serve', async () => {
    const response = await harness.call('PUT', COLLECTION, { json: {} });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await problemOf(response)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('logs one line per request with method, path, status, duration and user', async () => {
    const requestId = '5d7c1b6e-3a2f-4e1d-8c9b-7a6f5e4d3c2b';
    await harness.call('GET', '/v1/remote-identities?limit=1', {
      as: 'dave',
      headers: { 'X-Request-Id': requestId },
    });
    const lines = harness.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.request_id === requestId && line.msg === 'request');
    expect(lines).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v1/remote-identities',
        status: 200,
        ms: expect.any(Number),
        user_id: 'dave',
      }),
    ]);
  });
});
