import { randomBytes } from 'node:crypto';
import type { JetStreamContext } from '@ri/event-store';
import { silentLogger } from '@ri/logging';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHs256Authenticator, signDevelopmentToken } from '../auth/authenticator.ts';
import { openLoginKeyStore } from '../commands/kv-login-key-store.ts';
import { EMAIL_PARAMS } from '../testing/requests.ts';
import {
  closeTestJetStream,
  openTestJetStream,
  openTestKeyring,
} from '../testing/test-jetstream.ts';
import { createApi } from './create-api.ts';

/**
 * Any request at all, over every route and method: the API must answer it as a client
 * mistake or a success, never a 5xx; every mistake as a problem with a code; and a refused
 * request must leave the event log as it was. In-process (`app.request`) for speed, on a NATS
 * namespace of its own so that nothing else appends where the log is counted.
 */
const RUNS = 10_000;
const USERS = ['prop-ann', 'prop-bob', 'prop-cyd'];
const EMAIL_IDS = ['ann@example.org', 'work', 'x.y+z'];

let jetstream: JetStreamContext;
let database: TestDatabase;
let app: ReturnType<typeof createApi>;
const tokens: string[] = [];
const knownIds: string[] = [];
let jwtSecret: string;

beforeAll(async () => {
  jetstream = await openTestJetStream();
  database = await createTestDatabase();
  jwtSecret = randomBytes(32).toString('hex');
  app = createApi({
    log: jetstream.log,
    db: database.db,
    secrets: await openTestKeyring(jetstream),
    logins: await openLoginKeyStore(jetstream.js, { topology: jetstream.topology }),
    auth: createHs256Authenticator({ secret: jwtSecret }),
    logger: silentLogger(),
    // `min_sequence` beyond the read model would otherwise wait 5 s on every such request.
    readYourWrites: { timeoutMs: 5, pollMs: 5 },
  });
  for (const user of USERS) {
    const token = await signDevelopmentToken(jwtSecret, user);
    tokens.push(token);
    for (const emailId of EMAIL_IDS) {
      const response = await app.request(`/v1/contacts/me/emails/${emailId}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: { address: 'ann@example.org' } }),
      });
      expect(response.status).toBeLessThan(300);
    }
    const created = await app.request('/v1/remote-identities', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ identity_type: 'email', identity_id: 'work', params: EMAIL_PARAMS }),
    });
    expect(created.status).toBe(201);
    knownIds.push(((await created.json()) as { remote_identity_id: string }).remote_identity_id);
  }
});
afterAll(async () => {
  if (jetstream) await closeTestJetStream(jetstream);
  await database?.drop();
});

async function loggedMessages(): Promise<number> {
  let total = 0;
  for (const stream of [jetstream.topology.identityStream, jetstream.topology.mailStream]) {
    total += (await jetstream.jsm.streams.info(stream)).state.messages;
  }
  return total;
}

// Printable ASCII: the only text a header value can carry through `new Request`.
const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });

const identityId = fc.oneof(
  fc.constantFrom(...['known']),
  fc.uuid(),
  anyText.map((text) => encodeURIComponent(text)),
  fc.constantFrom('%E0%A4%A', '%00', '..', 'me', '*', 'a.b.>', ''),
);

const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'offset',
        'connected',
        'is_fetching',
        'identity_type',
        'min_sequence',
        'x',
      ),
      fc.oneof(
        fc.constantFrom('true', 'false', 'email', 'social_identitiy', 'im', '0', '1', '500'),
        fc.integer().map(String),
        anyText,
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));

const path = fc
  .tuple(
    fc.oneof(
      fc.constant('/v1/remote-identities'),
      identityId.map((id) => `/v1/remote-identities/${id}`),
      fc.constantFrom('/healthz', '/v1/openapi.json', '/docs', '/v1/contacts', '/v1/contacts/me'),
      fc
        .tuple(fc.constantFrom('emails', 'ims', 'social_identities'), identityId)
        .map(([kind, id]) => `/v1/contacts/me/${kind}/${id}`),
      anyText.map((text) => `/${encodeURIComponent(text)}`),
    ),
    queryString,
  )
  .map(([route, query]) => route + query);

/** Bodies from nearly valid to garbage: mutated registrations and changes, any JSON, text. */
function mostly<T>(valid: T, other: fc.Arbitrary<unknown>) {
  return fc.oneof({ weight: 5, arbitrary: fc.constant(valid) }, other);
}
const params = fc.record(
  {
    login: mostly(EMAIL_PARAMS.login, anyText),
    password: mostly('secret', anyText),
    mail_protocol: mostly('IMAP', fc.constantFrom('POP3', 'SMTP', 7)),
    incomming_mail_server: mostly('imap.example.org', anyText),
    mail_port: mostly(993, fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.constant('x'))),
    fetch_method: mostly('from_now', fc.constantFrom('from_beginning', 'later')),
    incoming_mail_server: anyText,
  },
  {
    requiredKeys: [
      'login',
      'password',
      'mail_protocol',
      'incomming_mail_server',
      'mail_port',
      'fetch_method',
    ],
  },
);
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          identity_type: fc.oneof(
            { weight: 4, arbitrary: fc.constant('email') },
            fc.constantFrom('im', 'social_identity', 'social_identitiy', 'x'),
          ),
          identity_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...EMAIL_IDS) }, anyText),
          params,
          connection_required: fc.oneof(fc.boolean(), anyText),
          cancel_fetch_required: fc.boolean(),
        },
        { requiredKeys: ['identity_type', 'identity_id', 'params'] },
      )
      .map((value) => JSON.stringify(value)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record(
        { connection_required: fc.boolean(), cancel_fetch_required: fc.boolean(), params },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  },
  fc.record({ email: fc.record({ address: anyText }) }).map((value) => JSON.stringify(value)),
  fc.json(),
  anyText,
  fc.constant(undefined),
);

// Mostly what a client gets right, so that requests reach validation and the handlers; the
// rest is what it may get wrong. An undefined header is not sent.
const headers = fc
  .record({
    Authorization: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(0, 1, 2).map((user) => `Bearer ${tokens[user]}`) },
      fc.constantFrom(0, 1, 2).map((user) => `bearer  ${tokens[user]}`),
      headerText.map((text) => `Bearer ${text}`),
      headerText,
      fc.constant(undefined),
    ),
    'Content-Type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'APPLICATION/JSON'),
      fc.constantFrom('application/problem+json', 'multipart/form-data'),
      headerText,
      fc.constant(undefined),
    ),
    'If-Match': fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      fc.constantFrom('*', '"1"', 'W/"2"', '"1", "2"'),
      headerText,
    ),
    'X-Request-Id': fc.oneof(fc.constant(undefined), fc.uuid(), headerText),
  })
  .map((all) =>
    Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)),
  ) as fc.Arbitrary<Record<string, string>>;

const request = fc.record({
  method: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
    fc.constantFrom('PUT', 'HEAD', 'OPTIONS'),
  ),
  path,
  headers,
  body,
});

describe('any request', () => {
  it('answers with no 5xx, problems for mistakes, and refusals appending nothing', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.nat(), async (generated, pick) => {
        const { method, headers: sent } = generated;
        const target = generated.path.replace('known', knownIds[pick % knownIds.length] ?? '');
        const withBody = method !== 'GET' && method !== 'HEAD' && generated.body !== undefined;
        const before = await loggedMessages();
        const response = await app.request(target, {
          method,
          headers: sent,
          ...(withBody ? { body: generated.body } : {}),
        });
        const answer = { method, target, status: response.status };
        expect(answer).toEqual({ ...answer, status: expect.toSatisfy((s: number) => s < 500) });
        if (response.status < 400) return;
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        if (method !== 'HEAD') {
          const problem = (await response.json()) as { code?: unknown; status?: unknown };
          expect(problem.code).toEqual(expect.stringMatching(/^[A-Z_]+$/));
          expect(problem.status).toBe(response.status);
        }
        expect({ ...answer, appended: (await loggedMessages()) - before }).toEqual({
          ...answer,
          appended: 0,
        });
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
