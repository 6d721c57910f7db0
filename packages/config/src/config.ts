import { z } from 'zod';

/**
 * Variables that several services read. Each service validates the ones it needs, once at
 * start, and stops with a message that names the variable.
 */
export const commonEnv = {
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Replicas of each JetStream stream that the services create when it is missing. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Prefix of every stream, subject and bucket, so that deployments can share a cluster. */
  NATS_NAMESPACE: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const databaseEnv = {
  /** PostgreSQL URL of the read model; required when a service runs on its own. */
  DATABASE_URL: z.string().url(),
};

export const secretsEnv = {
  /** `kid:base64key[,kid:base64key...]`, the first one sealing new secrets. */
  SECRETS_MASTER_KEY: z.string().min(1),
};

/** Deadlines of the IMAP connector, in milliseconds; read by the connector and `pnpm start`. */
export const imapEnv = {
  /** To connect and get the greeting. */
  IMAP_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** Longest silence of the server while a command waits, after which the socket is closed. */
  IMAP_READ_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** How often IDLE is broken and started again, so that a dead one is noticed. */
  IMAP_IDLE_RESTART_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 60_000),
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses `env` against `shape`; the error names every offending variable. */
export function loadConfig<T extends z.ZodRawShape>(
  shape: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
