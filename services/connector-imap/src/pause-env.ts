import { durationMs } from '@ri/config';
import { DEFAULT_PAUSE_AFTER_MS } from './pause-policy.ts';

/** The variables of the pause, for every program that runs the connector. */
export const pauseEnv = {
  /** `72h`, `30m`, `3d` ...: how long an identity may fail before its retries stop. */
  CONNECTOR_PAUSE_AFTER: durationMs().default(DEFAULT_PAUSE_AFTER_MS),
};
