import type { CheckpointStore } from './checkpoints.ts';

/**
 * The identity's messages published so far, across its mailboxes: each mailbox's checkpoint
 * keeps its own running total, and the identity reports their sum, so that
 * `messages_fetched` counts every folder and stays exact across restarts.
 */
export class MailboxTotals {
  private readonly byMailbox = new Map<string, number>();

  static async load(checkpoints: CheckpointStore, identityId: string): Promise<MailboxTotals> {
    const totals = new MailboxTotals();
    for (const [mailbox, checkpoint] of await checkpoints.list(identityId)) {
      totals.byMailbox.set(mailbox, checkpoint.published ?? 0);
    }
    return totals;
  }

  /** Records `mailbox`'s running total and answers the identity's. */
  set(mailbox: string, published: number): number {
    this.byMailbox.set(mailbox, published);
    return this.total;
  }

  rename(from: string, to: string): void {
    const published = this.byMailbox.get(from);
    if (published === undefined) return;
    this.byMailbox.delete(from);
    this.byMailbox.set(to, published);
  }

  get total(): number {
    let sum = 0;
    for (const published of this.byMailbox.values()) sum += published;
    return sum;
  }
}
