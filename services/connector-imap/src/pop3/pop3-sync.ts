import type { FetchMethod } from '@ri/events';
import type { FetchOutcome } from '../fetch-runner.ts';
import type { MailPublisher } from '../mail-publisher.ts';
import { PublishWindow } from '../publish-window.ts';
import type { Pop3Client } from './pop3-client.ts';
import type { UidlStore } from './uidl-store.ts';

export interface SyncPop3Options {
  client: Pop3Client;
  identityId: string;
  fetchMethod: FetchMethod;
  uidls: UidlStore;
  publisher: MailPublisher;
  /** Polled between messages; once true, the sync stops before the next RETR. */
  isCancelled: () => boolean;
  /** Publications in flight at once. */
  windowSize?: number;
  /** Messages between two rewrites of the UIDL list: bounds what a crash makes us redo. */
  batchSize?: number;
}

/** POP3 has one mailbox and no UIDVALIDITY; these stand in for them in headers and facts. */
export const POP3_MAILBOX = 'INBOX';
export const POP3_UID_VALIDITY = 'pop3';

/**
 * Publishes every message of the maildrop whose UIDL is not yet recorded, oldest first, and
 * records a UIDL only once the stream confirmed its message. Nothing is deleted on the server.
 * `lastUid` is the highest message number of this session's maildrop.
 */
export async function syncPop3({
  client,
  identityId,
  fetchMethod,
  uidls,
  publisher,
  isCancelled,
  windowSize = 64,
  batchSize = 250,
}: SyncPop3Options): Promise<FetchOutcome> {
  const entries = await client.list();
  const present = new Set(entries.map((e) => e.uidl));
  const result: FetchOutcome = {
    fetched: 0,
    bytes: 0,
    uidValidity: POP3_UID_VALIDITY,
    lastUid: entries.at(-1)?.number ?? 0,
    cancelled: false,
  };
  const stored = await uidls.get(identityId);
  if (!stored) {
    // 1. First sight of this maildrop: from_now takes what is there as already seen.
    await uidls.put(identityId, fetchMethod === 'from_now' ? present : []);
    if (fetchMethod === 'from_now') return result;
  }
  // 2. Forget messages gone from the server, so that the list stays the size of the mailbox.
  const seen = new Set([...(stored ?? [])].filter((uidl) => present.has(uidl)));
  const pending = entries.filter((e) => !seen.has(e.uidl));
  const pruned = stored !== undefined && seen.size < stored.size;

  // 3. RETR one message at a time while earlier ones are being published; record by batch.
  let recorded = 0;
  for (let start = 0; start < pending.length && !result.cancelled; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    const window = new PublishWindow<number>(windowSize);
    try {
      for (const [offset, entry] of batch.entries()) {
        if (isCancelled()) {
          result.cancelled = true;
          break;
        }
        const source = await client.retrieve(entry);
        const publication = publisher
          .publish({
            identityId,
            mailbox: POP3_MAILBOX,
            uidValidity: POP3_UID_VALIDITY,
            uid: entry.number,
            uidl: entry.uidl,
            source,
            flags: [],
          })
          .then(({ duplicate }) => {
            // Published before a crash but not recorded: not new, so not counted again.
            if (duplicate) return;
            result.fetched += 1;
            result.bytes += source.length;
          });
        await window.push(start + offset, publication);
      }
      await window.drain();
    } finally {
      // Whatever failed (a RETR, a publication), what the stream confirmed before it is kept.
      await window.drain().catch(() => undefined);
      const confirmed = window.confirmed;
      if (confirmed !== undefined) {
        for (; recorded <= confirmed; recorded++) seen.add(pending[recorded]!.uidl);
        await uidls.put(identityId, seen);
      }
    }
  }
  if (pruned && pending.length === 0) await uidls.put(identityId, seen);
  return result;
}
