export { commonEnv, ConfigError, databaseEnv, loadConfig, secretsEnv } from './config.ts';
export { durationMs } from './duration.ts';
