export { commonEnv, ConfigError, databaseEnv, loadConfig, secretsEnv } from './config.ts';
