import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger } from '@ri/logging';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHs256Authenticator, signDevelopmentToken } from '../auth/authenticator.ts';
import { openLoginKeyStore } from '../commands/kv-login-key-store.ts';
import { problemOf, registration } from '../testing/requests.ts';
import {
  closeTestJetStream,
  openTestJetStream,
  openTestKeyring,
} from '../testing/test-jetstream.ts';
import { startIdentityApi, type RunningIdentityApi } from './start-identity-api.ts';

const SECRET = randomBytes(32).toString('hex');
let database: TestDatabase;
let api: RunningIdentityApi;

// The API is wired to a NATS connection and a database pool that are both closed, as they are
// to a process whose infrastructure went away: answers must say "try again", never 500.
beforeAll(async () => {
  database = await createTestDatabase();
  const jetstream = await openTestJetStream();
  const logins = await openLoginKeyStore(jetstream.js, { topology: jetstream.topology });
  const secrets = await openTestKeyring(jetstream);
  await closeTestJetStream(jetstream);
  await database.drop();
  api = await startIdentityApi({
    port: 0,
    log: jetstream.log,
    db: database.db,
    secrets,
    logins,
    auth: createHs256Authenticator({ secret: SECRET }),
    logger: silentLogger(),
  });
});
afterAll(() => api?.stop());

async function call(method: string, path: string, json?: unknown): Promise<Response> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${await signDevelopmentToken(SECRET, 'alice')}`,
  };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${api.url}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
}

describe('when the infrastructure is unavailable', () => {
  it('answers 503 LOG_UNAVAILABLE with Retry-After for writes', async () => {
    const responses = [
      await call('POST', '/v1/remote-identities', registration()),
      await call('PATCH', `/v1/remote-identities/${randomUUID()}`, { connection_required: true }),
      await call('DELETE', `/v1/remote-identities/${randomUUID()}`),
    ];
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await problemOf(response)).toMatchObject({ code: 'LOG_UNAVAILABLE' });
    }
  });

  it('answers 503 READ_MODEL_UNAVAILABLE for reads', async () => {
    for (const path of ['/v1/remote-identities', `/v1/remote-identities/${randomUUID()}`]) {
      const response = await call('GET', path);
      expect(response.status).toBe(503);
      expect(await problemOf(response)).toMatchObject({ code: 'READ_MODEL_UNAVAILABLE' });
    }
  });

  it('still answers /healthz, which checks only that the process serves', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});
