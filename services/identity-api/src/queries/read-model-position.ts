import { setTimeout as sleep } from 'node:timers/promises';
import { readPosition as readCheckpoint, type ReadModelDb } from '@ri/read-model';
import { onReadModel } from './on-read-model.ts';

/** How far the projection has applied the identity stream; 0 before its first checkpoint. */
export function readPosition(db: ReadModelDb, projectionName: string): Promise<number> {
  return onReadModel(() => readCheckpoint(db, projectionName));
}

export interface WaitForPositionOptions {
  /** Interval between two checkpoint reads; 20 ms by default. */
  pollMs?: number;
  /** Longest wait before answering with what there is; 5 000 ms by default. */
  timeoutMs?: number;
  /** Stops waiting when the client has gone. */
  signal?: AbortSignal;
}

/**
 * Waits until the projection has reached `minSequence`, so that a client reads its own
 * writes. Returns the last position seen, which is below `minSequence` after a timeout: the
 * caller answers anyway and tells the client where the read model stands.
 */
export async function waitForPosition(
  db: ReadModelDb,
  projectionName: string,
  minSequence: number,
  { pollMs = 20, timeoutMs = 5_000, signal }: WaitForPositionOptions = {},
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let position = await readPosition(db, projectionName);
  while (position < minSequence && performance.now() < deadline && !signal?.aborted) {
    await sleep(Math.min(pollMs, Math.max(0, deadline - performance.now())));
    position = await readPosition(db, projectionName);
  }
  return position;
}
