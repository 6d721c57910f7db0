import { join, resolve } from 'node:path';
import { z } from 'zod';
import { commonEnv, ConfigError, imapEnv, loadConfig } from '@ri/config';
import { pauseEnv } from '@ri/connector-imap';
import { destinationsEnv } from '@ri/destinations';
import { createLogger } from '@ri/logging';
import { developmentSecret } from './dev-secrets.ts';
import { connectOrStartNats } from './nats-server.ts';
import { startSystem } from './system.ts';

// `pnpm start`: the whole system in one process, on embedded defaults where nothing is set.
async function main(): Promise<void> {
  const ROOT = resolve(import.meta.dirname, '../../..');
  const config = loadConfig({
    ...commonEnv,
    // Development too allows no private mail server unless listed: set it to reach a local one.
    ...destinationsEnv,
    ...pauseEnv,
    ...imapEnv,
    NATS_URL: z.string().optional(),
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().default(join(ROOT, '.data')),
    SECRETS_MASTER_KEY: z.string().optional(),
    AUTH_JWT_SECRET: z.string().min(32).optional(),
    AUTH_JWKS_URL: z.string().url().optional(),
    MAIL_CA_FILE: z.string().optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    DEV_USER: z.string().default('dev-user'),
  });
  const logger = createLogger({ name: 'remote-identities', level: config.LOG_LEVEL });
  const { nc, child } = await connectOrStartNats(config.NATS_URL, config.DATA_DIR, logger);
  const jwtSecret =
    config.AUTH_JWT_SECRET ?? developmentSecret(join(config.DATA_DIR, 'jwt-secret'), 'jwt-secret');
  const system = await startSystem({
    nc,
    databaseUrl: config.DATABASE_URL,
    pgliteDir: join(config.DATA_DIR, 'pglite'),
    secretsMasterKey:
      config.SECRETS_MASTER_KEY ??
      developmentSecret(join(config.DATA_DIR, 'secrets-master-key'), 'master-key'),
    jwtSecret,
    ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
    port: config.PORT,
    hostname: config.HOST,
    caFiles: config.MAIL_CA_FILE?.split(',').filter(Boolean) ?? [],
    allowedPrivateHosts: config.ALLOWED_PRIVATE_HOSTS,
    pauseAfterMs: config.CONNECTOR_PAUSE_AFTER,
    imap: {
      timeoutMs: config.IMAP_TIMEOUT_MS,
      readTimeoutMs: config.IMAP_READ_TIMEOUT_MS,
      idleRestartMs: config.IMAP_IDLE_RESTART_MS,
    },
    replicas: config.NATS_STREAM_REPLICAS,
    namespace: config.NATS_NAMESPACE,
    logger,
  });
  const token = await system.token(config.DEV_USER);
  const readModel = config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}/pglite`;
  process.stderr.write(
    `\nremote identities listening on ${system.apiUrl}\n` +
      `read model: ${readModel}\n` +
      `development token for user ${config.DEV_USER} (24 h):\n  export TOKEN=${token}\n\n`,
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      void system
        .stop()
        .then(() => nc.drain())
        .finally(() => {
          child?.kill('SIGTERM');
          process.exit(0);
        });
    });
  }
}

// A start-up failure is a sentence for the person who typed `pnpm start`, not a stack trace.
function explain(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const text = err instanceof Error ? err.message : String(err);
  if (/jetstream (is )?not enabled/i.test(text) || (err as { code?: string })?.code === '503') {
    return 'the NATS server has no JetStream: start nats-server with -js (and -sd <dir>)';
  }
  return text;
}

main().catch((err: unknown) => {
  process.stderr.write(`remote-identities: ${explain(err)}\n`);
  process.exit(1);
});
