import type { ObjectStore } from '@nats-io/obj';
import { MAIL_HEADERS } from '@ri/events';
import { contentHash } from './mail-publisher.ts';
import type { MailStreamReader, StoredMail } from './mail-stream-reader.ts';

/**
 * What a mailbox published before, as content hashes read back from the mail stream. Reading
 * costs a pass over the identity's mail, which only a changed UIDVALIDITY needs.
 */
export class PublishedContent {
  constructor(
    private readonly reader: MailStreamReader,
    private readonly blobs: ObjectStore,
  ) {}

  /** The stream sequence of the identity's last publication, from any mailbox; 0 for none. */
  lastSequence(identityId: string): Promise<number> {
    return this.reader.lastSequence(identityId);
  }

  /** How many times each content hash was published from the mailbox under `names`. */
  async of(identityId: string, names: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const wanted = new Set(names.map(encodeURIComponent));
    await this.reader.forEach(identityId, 0, async ({ headers, data }) => {
      if (!headers || !wanted.has(headers.get(MAIL_HEADERS.mailbox))) return;
      // Mail of earlier releases has no hash header: hash its body instead.
      let hash = headers.get(MAIL_HEADERS.sha256);
      if (!hash) {
        const blob = headers.get(MAIL_HEADERS.blob);
        const raw = blob ? await this.blobs.getBlob(blob) : data;
        hash = raw ? contentHash(raw) : '';
      }
      if (hash) counts.set(hash, (counts.get(hash) ?? 0) + 1);
    });
    return counts;
  }

  /**
   * UIDs of the mailbox under `names` (its name, and earlier ones if it was renamed) and
   * `uidValidity`, published after stream sequence `after`: what a
   * sync that crashed published past its checkpoint. Recognising them here, instead of by the
   * stream's duplicate window, holds however long the connector was down.
   */
  async uidsAfter(
    identityId: string,
    names: readonly string[],
    uidValidity: string,
    after: number,
  ): Promise<Set<number>> {
    const uids = new Set<number>();
    const wanted = new Set(names.map(encodeURIComponent));
    const visit = ({ headers }: StoredMail) => {
      if (!headers || !wanted.has(headers.get(MAIL_HEADERS.mailbox))) return;
      if (headers.get(MAIL_HEADERS.uidValidity) !== uidValidity) return;
      uids.add(Number(headers.get(MAIL_HEADERS.uid)));
    };
    await this.reader.forEach(identityId, after, visit, { headersOnly: true });
    return uids;
  }
}
