export interface RetryScheduleOptions {
  /** Delay before the first retry; doubles with each failure. Default 1 s. */
  baseMs?: number;
  /** Longest delay between two tries. Default 5 minutes. */
  maxMs?: number;
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter, per identity: a server that is down is tried again
 * less and less often, and identities that failed together do not all come back at once.
 */
export class RetrySchedule {
  private readonly pending = new Map<string, { attempt: number; timer?: NodeJS.Timeout }>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor({
    baseMs = 1000,
    maxMs = 5 * 60_000,
    random = Math.random,
  }: RetryScheduleOptions = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** Runs `retry` after the next delay; answers that delay. */
  schedule(id: string, retry: () => void): number {
    const entry = this.pending.get(id) ?? { attempt: 0 };
    clearTimeout(entry.timer);
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** entry.attempt);
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    entry.attempt += 1;
    entry.timer = setTimeout(retry, delay);
    entry.timer.unref();
    this.pending.set(id, entry);
    return delay;
  }

  /** Keeps counting failures but drops the pending try (a fresh attempt is under way). */
  cancel(id: string): void {
    const entry = this.pending.get(id);
    if (entry) clearTimeout(entry.timer);
  }

  succeeded(id: string): void {
    this.cancel(id);
    this.pending.delete(id);
  }

  cancelAll(): void {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }
}
