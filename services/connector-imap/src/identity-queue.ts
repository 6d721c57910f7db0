/**
 * Runs tasks one after another per identity and concurrently across identities, so that one
 * slow server never holds up the others while each identity sees its events in order.
 */
export class IdentityQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(identityId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(identityId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(identityId, tail);
    void tail.then(() => {
      if (this.tails.get(identityId) === tail) this.tails.delete(identityId);
    });
    return next;
  }

  async idle(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
