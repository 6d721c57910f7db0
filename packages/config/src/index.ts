export { commonEnv, ConfigError, databaseEnv, imapEnv, loadConfig, secretsEnv } from './config.ts';
