import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@ri/logging';
import type { SummaryThreadData, SummaryThreadMessage } from './summary-thread.ts';

export interface SummaryThread {
  stop(): Promise<void>;
}

/** How long a stop waits for the summaries under way to be stored. */
const STOP_GRACE_MS = 5000;
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * Starts the mail summariser on a worker thread, so that `pnpm start` parses mail on the
 * second core instead of the one that fetches it. Its log lines come back through `logger`.
 */
export async function startSummaryThread(
  data: Omit<SummaryThreadData, 'level'>,
  logger: Logger,
): Promise<SummaryThread> {
  const workerData: SummaryThreadData = { ...data, level: logger.level };
  const worker = new Worker(new URL('./summary-thread-boot.mjs', import.meta.url), {
    workerData,
  });
  worker.on('message', (message: SummaryThreadMessage) => {
    if ('log' in message) relog(logger, message.log);
  });
  worker.on('error', (err) => logger.error({ err }, 'the summariser thread failed'));
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: SummaryThreadMessage) => {
      if ('started' in message) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the summariser thread exited (${code})`)));
    worker.once('error', reject);
  });
  await started;
  return {
    async stop() {
      const stopped = new Promise<void>((resolve) => {
        worker.on('message', (message: SummaryThreadMessage) => {
          if ('stopped' in message) resolve();
        });
      });
      worker.postMessage('stop');
      await Promise.race([stopped, once(worker, 'exit'), delay(STOP_GRACE_MS)]);
      await worker.terminate();
    },
  };
}

/** Writes one of the thread's pino lines through the host's logger, at its level. */
function relog(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line }, 'unreadable log line from the summariser thread');
    return;
  }
  // The host's logger stamps its own time, pid, host and name.
  const { level, msg, ...rest } = entry;
  for (const key of ['time', 'pid', 'hostname', 'name']) delete rest[key];
  const method = LEVELS[Number(level)] ?? 'info';
  logger[method](rest, typeof msg === 'string' ? msg : '');
}
