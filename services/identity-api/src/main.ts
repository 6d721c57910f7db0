import { commonEnv, ConfigError, databaseEnv, loadConfig, secretsEnv } from '@ri/config';
import { DestinationGuard, destinationsEnv } from '@ri/destinations';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import { migrateToLatest, openDatabase } from '@ri/read-model';
import { openIdentityKeyring, secretBoxFromConfig } from '@ri/secrets';
import { z } from 'zod';
import { createJwtAuthenticator } from './auth/authenticator.ts';
import { openLoginKeyStore } from './commands/kv-login-key-store.ts';
import { startIdentityApi } from './http/start-identity-api.ts';
import { startShredder } from './shredding/shred-deleted-identities.ts';

const identityApiEnv = {
  ...commonEnv,
  ...databaseEnv,
  ...secretsEnv,
  ...destinationsEnv,
  /** HMAC secret of HS256 bearer tokens; HS256 wants at least 256 bits. */
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Key set of an identity provider whose RS256 or ES256 tokens are accepted. */
  AUTH_JWKS_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
};

function readConfig() {
  try {
    const config = loadConfig(identityApiEnv);
    if (!config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
      throw new ConfigError(
        'invalid configuration:\n  AUTH_JWT_SECRET or AUTH_JWKS_URL is required',
      );
    }
    return config;
  } catch (err) {
    // The message names each bad variable; a stack trace would only bury it.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`identity-api: ${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();

const logger = createLogger({ name: 'identity-api', level: config.LOG_LEVEL });

// 1. Everything that can be wrong in configuration fails here, before any connection opens.
const master = secretBoxFromConfig(config.SECRETS_MASTER_KEY);
const destinations = new DestinationGuard({ allowed: config.ALLOWED_PRIVATE_HOSTS });
const auth = createJwtAuthenticator({
  ...(config.AUTH_JWT_SECRET ? { secret: config.AUTH_JWT_SECRET } : {}),
  ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
});
const natsTopology = topology(config.NATS_NAMESPACE);

// 2. The event log, creating the streams if this is the first service up.
const nc = await connectNats({ url: config.NATS_URL, name: 'identity-api' });
const { js, jsm, log } = await openJetStream(nc, {
  replicas: config.NATS_STREAM_REPLICAS,
  topology: natsTopology,
});
const logins = await openLoginKeyStore(js, {
  topology: natsTopology,
  replicas: config.NATS_STREAM_REPLICAS,
});
// Data keys live beside the log, in a bucket of their own, so that a DELETE can destroy one.
const secrets = await openIdentityKeyring(js, {
  master,
  topology: natsTopology,
  replicas: config.NATS_STREAM_REPLICAS,
});
const shredder = await startShredder({ js, jsm, topology: natsTopology, keyring: secrets, logger });

// 3. The read model, migrated so that the API never queries a schema older than its code.
const db = openDatabase({ url: config.DATABASE_URL });
await migrateToLatest(db);

const api = await startIdentityApi({
  port: config.PORT,
  hostname: config.HOST,
  log,
  db,
  secrets,
  destinations,
  logins,
  auth,
  logger,
});
logger.info({ url: api.url }, 'identity API listening');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'identity API stopping');
  // Requests in flight still append and read, so the connections close after the server.
  await api.stop();
  await shredder.stop();
  await nc.drain();
  await db.destroy();
  logger.info('identity API stopped');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'identity API failed to stop cleanly');
        process.exit(1);
      },
    );
  });
}
