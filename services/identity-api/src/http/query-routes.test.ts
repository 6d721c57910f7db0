import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { insertIdentityRow, setCheckpoint } from '../testing/read-model-fixtures.ts';
import { problemOf } from '../testing/requests.ts';

const PROJECTION = 'remote-identities';
// Short enough to test giving up, long enough that a checkpoint written meanwhile is waited for.
const WAIT_MS = 1_500;

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness({ readYourWrites: { timeoutMs: WAIT_MS } });
});
afterAll(() => harness?.close());

interface ListBody {
  total: number;
  remote_identities: { remote_identity_id: string; identity_id: string }[];
}

async function list(query: string, as: string): Promise<ListBody> {
  const response = await harness.call('GET', `/v1/remote-identities${query}`, { as });
  expect(response.status).toBe(200);
  return (await response.json()) as ListBody;
}

describe('GET /v1/remote-identities', () => {
  it("pages through the caller's identities in creation order with the total", async () => {
    const user = `pager-${randomUUID()}`;
    const base = Date.parse('2025-03-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await insertIdentityRow(harness.db, {
          user_id: user,
          identity_id: `n${i}@example.org`,
          created_at: new Date(base + i * 1000),
        }),
      );
    }
    await insertIdentityRow(harness.db, { user_id: 'someone-else' });

    const first = await list('?limit=2', user);
    expect(first.total).toBe(5);
    expect(first.remote_identities.map((r) => r.remote_identity_id)).toEqual(ids.slice(0, 2));
    const last = await list('?limit=2&offset=4', user);
    expect(last.total).toBe(5);
    expect(last.remote_identities.map((r) => r.remote_identity_id)).toEqual(ids.slice(4));
    const beyond = await list('?offset=10', user);
    expect(beyond).toEqual({ total: 5, remote_identities: [] });
  });

  it('breaks ties of creation time by id so that pages never overlap', async () => {
    const user = `ties-${randomUUID()}`;
    const createdAt = new Date('2025-04-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await insertIdentityRow(harness.db, { user_id: user, created_at: createdAt }));
    }
    const pages = [await list('?limit=2', user), await list('?limit=2&offset=2', user)];
    const seen = pages.flatMap((page) => page.remote_identities.map((r) => r.remote_identity_id));
    expect(seen).toEqual([...ids].sort());
  });

  it('filters by identity_type, connected and is_fetching, and counts every match', async () => {
    const user = `filter-${randomUUID()}`;
    const base = Date.parse('2025-06-01T00:00:00Z');
    const rows = [
      { connected: true, is_fetching: true },
      { connected: true, is_fetching: false },
      { connected: false, is_fetching: false },
      { connected: true, is_fetching: true },
    ];
    const ids: string[] = [];
    for (const [i, row] of rows.entries()) {
      const created_at = new Date(base + i * 1000);
      ids.push(await insertIdentityRow(harness.db, { user_id: user, created_at, ...row }));
    }
    const idsOf = (body: ListBody) => body.remote_identities.map((r) => r.remote_identity_id);

    const connected = await list('?connected=true&limit=2', user);
    expect(connected.total).toBe(3);
    expect(idsOf(connected)).toEqual([ids[0], ids[1]]);
    const fetching = await list('?connected=true&is_fetching=true&offset=1', user);
    expect(fetching.total).toBe(2);
    expect(idsOf(fetching)).toEqual([ids[3]]);
    expect((await list('?is_fetching=false', user)).total).toBe(2);
    expect((await list('?identity_type=email', user)).total).toBe(4);
    // The design's spelling of the type is read as social_identity, of which there are none.
    expect(await list('?identity_type=social_identitiy', user)).toEqual({
      total: 0,
      remote_identities: [],
    });
  });

  it.each([
    ['connected=yes', '/connected'],
    ['is_fetching=1', '/is_fetching'],
    ['identity_type=fax', '/identity_type'],
    ['connected=True', '/connected'],
  ])('answers 422 for the filter %s', async (query, path) => {
    const response = await harness.call('GET', `/v1/remote-identities?${query}`);
    expect(response.status).toBe(422);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual([{ path, message: expect.any(String) }]);
  });

  it('answers an empty list, not an error, to a user without identities', async () => {
    expect(await list('', `nobody-${randomUUID()}`)).toEqual({ total: 0, remote_identities: [] });
  });
});

describe('GET /v1/remote-identities/{id}', () => {
  it('serves the design representation, with ETag and without any secret', async () => {
    const id = await insertIdentityRow(harness.db, {
      user_id: 'erin',
      connected: true,
      is_fetching: true,
      messages_fetched: 7,
      last_connection: new Date('2025-05-06T07:08:09Z'),
      last_error: { code: 'TIMEOUT', message: 'no answer', at: '2025-05-06T07:00:00Z' },
      paused_since: new Date('2025-05-09T07:00:00Z'),
      last_sequence: 41,
      // A params column holding more than it should must still not leak it.
      params: {
        login: 'erin',
        mail_protocol: 'POP3',
        incomming_mail_server: 'pop.example.org',
        mail_port: 995,
        fetch_method: 'from_now',
        password: 'leaked?',
      },
    });
    const response = await harness.call('GET', `/v1/remote-identities/${id}`, { as: 'erin' });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"41"');
    expect(response.headers.get('read-model-position')).toMatch(/^\d+$/);
    const body = await response.json();
    expect(body).toEqual({
      remote_identity_id: id,
      is_fetching: true,
      connected: true,
      last_connection: '2025-05-06T07:08:09.000Z',
      connection_required: false,
      cancel_fetch_required: false,
      identity_type: 'email',
      identity_id: expect.any(String),
      params: {
        login: 'erin',
        mail_protocol: 'POP3',
        incomming_mail_server: 'pop.example.org',
        mail_port: '995',
        fetch_method: 'from_now',
      },
      last_error: { code: 'TIMEOUT', message: 'no answer', at: '2025-05-06T07:00:00Z' },
      paused_since: '2025-05-09T07:00:00.000Z',
      messages_fetched: 7,
      provider: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      sequence: 41,
    });
  });

  it("answers 404 for another user's identity, a missing one and a non-uuid", async () => {
    const id = await insertIdentityRow(harness.db, { user_id: 'frank' });
    for (const path of [id, randomUUID(), 'not-a-uuid']) {
      const response = await harness.call('GET', `/v1/remote-identities/${path}`, { as: 'grace' });
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
    }
  });
});

describe('read-your-writes', () => {
  it('waits for the projection to reach min_sequence before reading', async () => {
    await setCheckpoint(harness.db, PROJECTION, 100);
    const user = `reader-${randomUUID()}`;
    let answered = false;
    const pending = harness
      .call('GET', '/v1/remote-identities?min_sequence=105', { as: user })
      .finally(() => (answered = true));
    // Not a wait for a condition: the request must still be held 100 ms on, behind position 100.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    // The projection catches up while the request waits: row and checkpoint together.
    await insertIdentityRow(harness.db, { user_id: user, last_sequence: 105 });
    await setCheckpoint(harness.db, PROJECTION, 105);

    const response = await pending;
    expect(response.headers.get('read-model-position')).toBe('105');
    expect(((await response.json()) as ListBody).total).toBe(1);
  });

  it('answers with the position it reached when the projection does not catch up', async () => {
    await setCheckpoint(harness.db, PROJECTION, 200);
    const started = performance.now();
    const response = await harness.call('GET', '/v1/remote-identities?min_sequence=999999');
    expect(response.status).toBe(200);
    expect(response.headers.get('read-model-position')).toBe('200');
    expect(performance.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 50);
  });

  it('answers at once when the projection is already there', async () => {
    await setCheckpoint(harness.db, PROJECTION, 300);
    const started = performance.now();
    const response = await harness.call('GET', '/v1/remote-identities?min_sequence=250');
    expect(response.headers.get('read-model-position')).toBe('300');
    expect(performance.now() - started).toBeLessThan(WAIT_MS);
  });

  it('answers 422 for a min_sequence that is not a non-negative integer', async () => {
    const response = await harness.call(
      'GET',
      `/v1/remote-identities/${randomUUID()}?min_sequence=-1`,
    );
    expect(response.status).toBe(422);
  });
});
