import type { ImapFlow } from 'imapflow';
import { sinceDate, type FetchMethod } from '@ri/events';
import type { CheckpointStore } from './checkpoints.ts';
import type { FetchOutcome, ProgressReporter } from './fetch-runner.ts';
import type { FetchedMail, MailPublisher } from './mail-publisher.ts';
import { PublishWindow } from './publish-window.ts';

/** Messages or bytes gathered before they are published together. */
const BATCH_MESSAGES = 64;
const BATCH_BYTES = 1 << 20;

export interface SyncMailboxOptions {
  client: ImapFlow;
  identityId: string;
  mailbox: string;
  fetchMethod: FetchMethod;
  checkpoints: CheckpointStore;
  publisher: MailPublisher;
  /** Polled between messages; once true, the sync stops at the end of the current chunk. */
  isCancelled: () => boolean;
  /** Publications in flight at once. */
  windowSize?: number;
  /** UIDs per FETCH command: bounds memory and how long a cancel waits. */
  chunkSize?: number;
  /** Told each time the checkpoint moves, with the mailbox's running total. */
  progress?: ProgressReporter;
}

export type SyncMailboxResult = FetchOutcome;

/**
 * Publishes every message of a mailbox above its checkpoint, oldest first, and moves the
 * checkpoint only over messages whose publication the stream confirmed.
 */
export async function syncMailbox({
  client,
  identityId,
  mailbox,
  fetchMethod,
  checkpoints,
  publisher,
  isCancelled,
  windowSize = 256,
  chunkSize = 250,
  progress = async () => undefined,
}: SyncMailboxOptions): Promise<SyncMailboxResult> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const box = client.mailbox;
    if (!box) throw new Error(`mailbox ${mailbox} is not selected`);
    const uidValidity = String(box.uidValidity);
    const uidNext = Number(box.uidNext);
    let checkpoint = await checkpoints.get(identityId, mailbox);
    // A since: fetch publishes, at first sight only, the messages the server dates since then.
    const since = !checkpoint ? sinceDate(fetchMethod) : undefined;
    if (!checkpoint || checkpoint.uid_validity !== uidValidity) {
      // 1. First sight of this mailbox (or a new UIDVALIDITY): decide where publishing starts.
      // LIMITATION: a changed UIDVALIDITY republishes the whole mailbox under new message ids;
      // recognising already-published messages by content is not done yet.
      const startAfter = fetchMethod === 'from_now' && !checkpoint ? uidNext - 1 : 0;
      checkpoint = {
        uid_validity: uidValidity,
        last_uid: Math.max(0, startAfter),
        published: checkpoint ? checkpoint.published : 0,
      };
      await checkpoints.put(identityId, mailbox, checkpoint);
    }
    const result: SyncMailboxResult = {
      fetched: 0,
      bytes: 0,
      uidValidity,
      lastUid: checkpoint.last_uid,
      cancelled: false,
      ...(checkpoint.published === undefined ? {} : { total: checkpoint.published }),
    };
    const publishedBefore = checkpoint.published;
    // The selected mailbox's UIDNEXT is not updated by EXISTS, so only an empty mailbox
    // spares the search below.
    if (box.exists === 0) return result;

    // 2. List the new UIDs; `n:*` also matches the highest UID when it is below n.
    // LIMITATION: a since: fetch cut short by a crash goes on with every UID above its
    // checkpoint, older dates included.
    const query = since
      ? { since, uid: `${checkpoint.last_uid + 1}:*` }
      : { uid: `${checkpoint.last_uid + 1}:*` };
    const found = await client.search(query, { uid: true });
    const uids = (found || []).filter((uid) => uid > result.lastUid).sort((a, b) => a - b);

    // 3. Fetch chunk by chunk and publish in batches through a window. Publishing a batch
    // back to back lets the NATS client write it in one go instead of one write per message,
    // which costs more than the fetch itself. The checkpoint follows what was confirmed.
    const window = new PublishWindow<number>(windowSize);
    const batch: FetchedMail[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      const started = batch.splice(0).map((mail) => ({ uid: mail.uid, done: publish(mail) }));
      // Pushing stops at the first failure; the publications after it must not reject unhandled.
      for (const { done } of started) done.catch(() => undefined);
      batchBytes = 0;
      for (const { uid, done } of started) await window.push(uid, done);
    };
    const publish = (mail: FetchedMail) =>
      publisher.publish(mail).then(({ duplicate }) => {
        // A message published before a crash comes back as a duplicate: not new, not
        // counted, so that `messages_fetched` counts each message once.
        if (duplicate) return;
        result.fetched += 1;
        result.bytes += mail.source.length;
      });
    const saveCheckpoint = async (floor = 0): Promise<void> => {
      const confirmed = Math.max(window.confirmed ?? 0, floor);
      if (confirmed <= result.lastUid) return;
      result.lastUid = confirmed;
      // Everything confirmed above the old checkpoint counts, duplicates included: they were
      // published before a crash that kept them out of the total.
      const total =
        publishedBefore === undefined ? undefined : publishedBefore + window.confirmedCount;
      await checkpoints.put(identityId, mailbox, {
        uid_validity: uidValidity,
        last_uid: confirmed,
        ...(total === undefined ? {} : { published: total }),
      });
      if (total === undefined) return;
      result.total = total;
      await progress(total, confirmed);
    };
    let failed: { error: unknown } | undefined;
    try {
      for (let i = 0; i < uids.length && !result.cancelled; i += chunkSize) {
        const chunk = uids.slice(i, i + chunkSize);
        const range = sequenceSet(chunk);
        const query = { uid: true, source: true, flags: true } as const;
        for await (const msg of client.fetch(range, query, { uid: true })) {
          // imapflow waits for each message to be consumed before parsing the next, so leaving
          // the loop early would stall the connection: after a cancel or a failed publication,
          // drain without publishing.
          if (failed) continue;
          if (result.cancelled || isCancelled()) {
            result.cancelled = true;
            continue;
          }
          if (!msg.source || msg.uid <= result.lastUid) continue;
          const flags = [...(msg.flags ?? [])];
          batch.push({ identityId, mailbox, uidValidity, uid: msg.uid, source: msg.source, flags });
          batchBytes += msg.source.length;
          if (batch.length >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) {
            await flush().catch((error: unknown) => (failed = { error }));
          }
        }
        if (failed) throw failed.error;
        await flush();
        await saveCheckpoint();
      }
      await window.drain();
      // A since: pass has considered every message there at first sight, published or not.
      if (since && !result.cancelled) await saveCheckpoint(uidNext - 1);
    } finally {
      // Even when a publication failed, what was confirmed before it is kept.
      await saveCheckpoint();
    }
    return result;
  } finally {
    lock.release();
  }
}

/** UIDs in ascending order as an IMAP sequence set, with runs folded into ranges. */
export function sequenceSet(uids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length;) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j]! + 1) j += 1;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
