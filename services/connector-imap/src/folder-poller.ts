import { setTimeout as delay } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import type { Logger } from '@ri/logging';
import type { CheckpointStore } from './checkpoints.ts';
import { chooseFolders, findRenames, type FolderChoiceOptions } from './folder-choice.ts';
import type { MailboxTotals } from './mailbox-totals.ts';

export interface FolderPollerOptions extends FolderChoiceOptions {
  identityId: string;
  /** Opens and logs in a connection of the poller's own. */
  connect: () => Promise<ImapFlow>;
  /**
   * Fetches what is new in one folder over `client`, reporting it as a fetch. `madeLater`: the
   * folder appeared after every folder had been seen once, so all of it is new.
   */
  syncFolder: (client: ImapFlow, path: string, madeLater: boolean) => Promise<void>;
  /** Whether fetching may go on (connected, not paused by a cancel). */
  mayFetch: () => boolean;
  checkpoints: CheckpointStore;
  totals: MailboxTotals;
  logger: Logger;
  everyMs: number;
}

/**
 * Polls every folder but INBOX on a connection of its own, so that a long sync of an archive
 * never holds up INBOX's IDLE. Each poll lists the folders with their status (LIST-STATUS
 * where the server has it), so new folders are found, renamed ones keep their checkpoint, and
 * a folder whose UIDNEXT and UIDVALIDITY did not move costs nothing more.
 */
export class FolderPoller {
  private client: ImapFlow | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Once true it stays so: read from the bucket only until then, not on every poll. */
  private baselined = false;

  constructor(private readonly options: FolderPollerOptions) {}

  /** Polls now, or right after the poll that runs. */
  pollSoon(): void {
    if (this.stopped) return;
    this.again = true;
    if (this.polling) return;
    clearTimeout(this.timer);
    this.polling = this.run().finally(() => (this.polling = undefined));
  }

  /** Lets a running sync stop between two messages for up to `graceMs`, then logs out. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const polling = this.polling?.catch(() => undefined);
    await Promise.race([polling, delay(graceMs)]);
    const client = this.client;
    this.client = undefined;
    if (client) await client.logout().catch(() => client.close());
    await polling;
  }

  private async run(): Promise<void> {
    while (this.again && !this.stopped && this.options.mayFetch()) {
      this.again = false;
      try {
        await this.pollOnce();
      } catch (err) {
        // The next poll tries again on a fresh connection; INBOX is not affected.
        this.options.logger.warn({ err: (err as Error).message }, 'folder poll failed');
        this.client?.close();
        this.client = undefined;
      }
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.pollSoon(), this.options.everyMs);
    // A pending poll must not keep a stopping process alive.
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    const { identityId, checkpoints, totals } = this.options;
    const client = await this.connection();
    const statusQuery = { uidNext: true, uidValidity: true, highestModseq: true };
    const listed = await client.list({ statusQuery });
    const folders = chooseFolders(listed, this.options);
    const known = await checkpoints.list(identityId);
    for (const { from, to } of findRenames(known, folders)) {
      this.options.logger.info({ from, to }, 'folder renamed; its checkpoint follows it');
      await checkpoints.rename(identityId, from, to);
      totals.rename(from, to);
      const checkpoint = known.get(from);
      known.delete(from);
      if (checkpoint) known.set(to, checkpoint);
    }
    this.baselined ||= await checkpoints.foldersBaselined(identityId);
    const baselined = this.baselined;
    for (const folder of folders) {
      if (this.stopped || !this.options.mayFetch()) return;
      const checkpoint = known.get(folder.path);
      const status = folder.status;
      const unchanged =
        checkpoint !== undefined &&
        status?.uidValidity !== undefined &&
        status.uidNext !== undefined &&
        String(status.uidValidity) === checkpoint.uid_validity &&
        status.uidNext - 1 <= checkpoint.last_uid &&
        checkpoint.resync_until === undefined &&
        // Without CONDSTORE a flags change goes unseen until a message arrives.
        (status.highestModseq === undefined ||
          checkpoint.highest_modseq === undefined ||
          String(status.highestModseq) === checkpoint.highest_modseq);
      if (unchanged) continue;
      await this.options.syncFolder(client, folder.path, baselined && checkpoint === undefined);
    }
    // Every folder there now has a checkpoint: the ones that come later were made later.
    if (!baselined) {
      await checkpoints.markFoldersBaselined(identityId);
      this.baselined = true;
    }
  }

  private async connection(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    const client = await this.options.connect();
    client.on('close', () => {
      if (this.client === client) this.client = undefined;
    });
    this.client = client;
    return client;
  }
}
