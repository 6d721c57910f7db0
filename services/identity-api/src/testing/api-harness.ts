import { randomBytes } from 'node:crypto';
import type { JetStreamContext, StoredEvent } from '@ri/event-store';
import { createLogger } from '@ri/logging';
import type { ReadModelDb } from '@ri/read-model';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';
import type { EnvelopeKeyring } from '@ri/secrets';
import { createHs256Authenticator, signDevelopmentToken } from '../auth/authenticator.ts';
import { openLoginKeyStore } from '../commands/kv-login-key-store.ts';
import type { WaitForPositionOptions } from '../queries/read-model-position.ts';
import { startIdentityApi, type RunningIdentityApi } from '../http/start-identity-api.ts';
import { closeTestJetStream, openTestJetStream, openTestKeyring } from './test-jetstream.ts';

export interface CallOptions {
  /** Who calls; a fresh token is signed for this user. `null` sends no Authorization. */
  as?: string | null;
  /** Serialized as JSON, with `Content-Type: application/json` unless `headers` says otherwise. */
  json?: unknown;
  /** Sent as is, for malformed bodies. */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

/** A running API on a random port, wired to the real NATS and a throwaway database. */
export interface ApiHarness {
  api: RunningIdentityApi;
  db: ReadModelDb;
  jetstream: JetStreamContext;
  secrets: EnvelopeKeyring;
  jwtSecret: string;
  /** Every line the API logged, to search for what must never be logged. */
  logLines: string[];
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** The identity's events as parsed by the event log. */
  events(remoteIdentityId: string): Promise<StoredEvent[]>;
  /** The identity's events exactly as stored in JetStream, undecoded. */
  rawEvents(remoteIdentityId: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readYourWrites?: Omit<WaitForPositionOptions, 'signal'>;
}

export async function startHarness({ readYourWrites }: HarnessOptions = {}): Promise<ApiHarness> {
  const database: TestDatabase = await createTestDatabase();
  const jetstream = await openTestJetStream();
  const secrets = await openTestKeyring(jetstream);
  const jwtSecret = randomBytes(32).toString('hex');
  const logLines: string[] = [];
  const logger = createLogger({
    name: 'identity-api-test',
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const api = await startIdentityApi({
    port: 0,
    log: jetstream.log,
    db: database.db,
    secrets,
    logins: await openLoginKeyStore(jetstream.js, { topology: jetstream.topology }),
    auth: createHs256Authenticator({ secret: jwtSecret }),
    logger,
    readYourWrites,
  });

  return {
    api,
    db: database.db,
    jetstream,
    secrets,
    jwtSecret,
    logLines,
    async call(method, path, { as = 'alice', json, body, headers = {} } = {}) {
      const sent: Record<string, string> = {};
      if (as !== null) sent.Authorization = `Bearer ${await signDevelopmentToken(jwtSecret, as)}`;
      if (json !== undefined) sent['Content-Type'] = 'application/json';
      return fetch(`${api.url}${path}`, {
        method,
        headers: { ...sent, ...headers },
        body: json === undefined ? body : JSON.stringify(json),
      });
    },
    events: (remoteIdentityId) => jetstream.log.read(remoteIdentityId),
    async rawEvents(remoteIdentityId) {
      const stored = await jetstream.log.read(remoteIdentityId);
      const raw: string[] = [];
      for (const { sequence } of stored) {
        const message = await jetstream.jsm.streams.getMessage(jetstream.topology.identityStream, {
          seq: sequence,
        });
        if (message) raw.push(message.string());
      }
      return raw;
    },
    async close() {
      await api.stop();
      await closeTestJetStream(jetstream);
      await database.drop();
    },
  };
}
