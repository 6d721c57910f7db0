import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may carry a credential anywhere a service logs an object. Redaction is
 * configuration, so that a forgotten field in a log call cannot leak a password.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secrets',
  '*.secrets',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where lines go; standard output by default. Tests pass a buffer to search it. */
  destination?: DestinationStream;
}

export function createLogger({ name, level = 'info', destination }: LoggerOptions): Logger {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing: the default for libraries and tests that do not look. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
