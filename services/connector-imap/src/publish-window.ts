/**
 * Keeps up to `size` publications in flight while preserving the order in which they are
 * confirmed to the caller: `confirmed` only ever moves over a prefix whose every publication
 * succeeded, which is what a checkpoint may record.
 */
export class PublishWindow<T> {
  private readonly pending: { key: T; done: Promise<unknown>; counts: boolean }[] = [];
  private lastConfirmed: T | undefined;
  private settled = 0;

  constructor(private readonly size: number) {}

  /**
   * Adds a publication; waits for the oldest one when the window is full. An entry that does
   * not count (a message recognised as already published) moves `confirmed` but not the count.
   */
  async push(key: T, done: Promise<unknown>, counts = true): Promise<void> {
    // Attach a handler now so that a rejection is not reported as unhandled before its turn.
    done.catch(() => undefined);
    this.pending.push({ key, done, counts });
    if (this.pending.length >= this.size) await this.settleOldest();
  }

  /** Waits for every publication in flight; throws the first failure in order. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.settleOldest();
  }

  get confirmed(): T | undefined {
    return this.lastConfirmed;
  }

  /** How many publications the confirmed prefix holds. */
  get confirmedCount(): number {
    return this.settled;
  }

  private async settleOldest(): Promise<void> {
    const head = this.pending[0];
    if (!head) return;
    await head.done;
    this.pending.shift();
    this.lastConfirmed = head.key;
    if (head.counts) this.settled += 1;
  }
}
