export { commonEnv, ConfigError, databaseEnv, imapEnv, loadConfig, secretsEnv } from './config.ts';
export { durationMs } from './duration.ts';
