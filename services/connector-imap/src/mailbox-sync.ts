import type { ImapFlow } from 'imapflow';
import { sinceDate, type FetchMethod } from '@ri/events';
import type { CheckpointStore } from './checkpoints.ts';
import type { FetchOutcome, ProgressReporter } from './fetch-runner.ts';
import { publishFlagChanges } from './flag-changes.ts';
import {
  contentHash,
  lastingFlags,
  type FetchedMail,
  type MailPublisher,
} from './mail-publisher.ts';
import type { PublishedContent } from './published-content.ts';
import { PublishWindow } from './publish-window.ts';

const DAY_MS = 86_400_000;
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
  /** What the mailbox published before, for a mailbox whose UIDVALIDITY changed. */
  published: PublishedContent;
  /**
   * Whether to look in the stream for publications past the checkpoint (a sync that crashed
   * after publishing): once per mailbox and connection is enough, as later gaps in the same
   * process are closed by the stream's duplicate window.
   */
  checkUnconfirmed?: boolean;
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
  published,
  checkUnconfirmed = true,
  isCancelled,
  windowSize = 256,
  chunkSize = 250,
  progress = async () => undefined,
}: SyncMailboxOptions): Promise<SyncMailboxResult> {
  const lock = await client.getMailboxLock(mailbox);
  let draining: Promise<void> | undefined;
  try {
    const box = client.mailbox;
    if (!box) throw new Error(`mailbox ${mailbox} is not selected`);
    const uidValidity = String(box.uidValidity);
    // Every message below UIDNEXT at SELECT is in the search below; without one, none is known.
    const uidNext = Number.isSafeInteger(Number(box.uidNext)) ? Number(box.uidNext) : 1;
    const highestModseq =
      box.highestModseq === undefined
        ? {}
        : {
            highest_modseq: String(box.highestModseq),
          };
    let checkpoint = await checkpoints.get(identityId, mailbox);
    const firstSight = checkpoint === undefined;
    if (!checkpoint || checkpoint.uid_validity !== uidValidity) {
      // 1. First sight of this mailbox, or a new UIDVALIDITY: decide where publishing starts.
      // After a UIDVALIDITY change every UID is new, so the mailbox is gone through again, and
      // what it published before is recognised by content (`resync_until`).
      const startAfter = fetchMethod === 'from_now' && !checkpoint ? uidNext - 1 : 0;
      checkpoint = {
        ...(checkpoint ? pick(checkpoint, 'previous_names') : {}),
        first_seen_at: checkpoint?.first_seen_at ?? new Date().toISOString(),
        uid_validity: uidValidity,
        last_uid: Math.max(0, startAfter),
        published: checkpoint ? checkpoint.published : 0,
        ...(checkpoint ? { resync_until: uidNext - 1 } : {}),
        // Whatever this pass publishes, the stream will hold above this sequence.
        stream_seq: await published.lastSequence(identityId),
      };
      await checkpoints.put(identityId, mailbox, checkpoint);
    }
    const resyncUntil = checkpoint.resync_until ?? 0;
    // What the fetch method left out stays out, also when the mailbox is gone through again
    // after a UIDVALIDITY change. since: leaves out what the server dates (INTERNALDATE) before
    // its day, at first sight and when going through again; after that, new mail is new
    // mail. from_now leaves out what the server dates before the mailbox's first sight on
    // every pass (to the day, as IMAP searches by day), so that a migration copying old mail
    // in while a pass runs does not pass it off as new.
    // A day earlier: the server compares dates in its own time zone, which may be behind UTC.
    const firstSeen = checkpoint.first_seen_at
      ? new Date(Date.parse(checkpoint.first_seen_at) - DAY_MS)
      : undefined;
    const since =
      fetchMethod === 'from_now'
        ? firstSeen
        : firstSight || resyncUntil > checkpoint.last_uid
          ? sinceDate(fetchMethod)
          : undefined;
    const names = [mailbox, ...(checkpoint.previous_names ?? [])];
    // What every save of the checkpoint carries over unchanged.
    const kept = {
      ...pick(checkpoint, 'previous_names'),
      ...pick(checkpoint, 'first_seen_at'),
    };
    const known =
      resyncUntil > checkpoint.last_uid
        ? await published.of(identityId, names)
        : new Map<string, number>();
    const unconfirmed =
      checkUnconfirmed && checkpoint.stream_seq !== undefined
        ? await published.uidsAfter(identityId, names, uidValidity, checkpoint.stream_seq)
        : new Set<number>();
    let streamSeq = checkpoint.stream_seq;
    const sequences = new Map<number, number>();
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
    if (box.exists === 0) {
      // Nothing below UIDNEXT is left: move past it, so that a poll sees nothing to do.
      result.lastUid = Math.max(checkpoint.last_uid, uidNext - 1);
      await checkpoints.put(identityId, mailbox, {
        ...kept,
        uid_validity: uidValidity,
        last_uid: result.lastUid,
        ...pick(checkpoint, 'published'),
        ...highestModseq,
      });
      return result;
    }

    // 2. Tell what changed on messages published already, where the server keeps MODSEQs.
    const lastModseq = checkpoint.highest_modseq;
    if (
      lastModseq !== undefined &&
      box.highestModseq !== undefined &&
      box.highestModseq > BigInt(lastModseq) &&
      checkpoint.last_uid > 0 &&
      resyncUntil === 0
    ) {
      await publishFlagChanges({
        client,
        identityId,
        mailbox,
        uidValidity,
        upTo: checkpoint.last_uid,
        since: BigInt(lastModseq),
        publisher,
      });
    }

    // 3. List the new UIDs; `n:*` also matches the highest UID when it is below n.
    const query = since
      ? { since, uid: `${checkpoint.last_uid + 1}:*` }
      : { uid: `${checkpoint.last_uid + 1}:*` };
    const found = await client.search(query, { uid: true });
    const uids = (found || []).filter((uid) => uid > result.lastUid).sort((a, b) => a - b);

    // 4. Fetch chunk by chunk and publish in batches through a window. Publishing a batch
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
      publisher.publish(mail).then(({ duplicate, sequence }) => {
        sequences.set(mail.uid, sequence);
        // A message published before a crash comes back as a duplicate: not new, not
        // counted, so that `messages_fetched` counts each message once.
        if (duplicate) return;
        result.fetched += 1;
        result.bytes += mail.source.length;
      });
    const saveCheckpoint = async (floor = 0, done = false): Promise<void> => {
      const confirmed = Math.max(window.confirmed ?? 0, floor);
      if (confirmed <= result.lastUid && !done) return;
      result.lastUid = Math.max(result.lastUid, confirmed);
      streamSeq = sequences.get(result.lastUid) ?? streamSeq;
      for (const uid of sequences.keys()) if (uid <= result.lastUid) sequences.delete(uid);
      // Everything confirmed above the old checkpoint counts, duplicates included: they were
      // published before a crash that kept them out of the total.
      const total =
        publishedBefore === undefined ? undefined : publishedBefore + window.confirmedCount;
      await checkpoints.put(identityId, mailbox, {
        ...kept,
        uid_validity: uidValidity,
        last_uid: result.lastUid,
        ...(total === undefined ? {} : { published: total }),
        // The mailbox's HIGHESTMODSEQ holds only once the whole pass is through.
        ...(done ? highestModseq : pick(checkpoint, 'highest_modseq')),
        ...(result.lastUid < resyncUntil ? { resync_until: resyncUntil } : {}),
        ...(streamSeq === undefined ? {} : { stream_seq: streamSeq }),
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
        const messages = client.fetch(range, query, { uid: true })[Symbol.asyncIterator]();
        for (let next = await messages.next(); !next.done; next = await messages.next()) {
          const msg = next.value;
          // imapflow waits for each message to be consumed before parsing the next, so leaving
          // the loop early would stall the connection: after a failed publication, drain
          // without publishing. After a cancel, the rest of the chunk drains in the background
          // while the mailbox stays locked, so that the cancel is acknowledged at once.
          if (failed) continue;
          if (result.cancelled || isCancelled()) {
            result.cancelled = true;
            draining = drain(messages);
            break;
          }
          if (!msg.source || msg.uid <= result.lastUid) continue;
          const flags = lastingFlags(msg.flags);
          const mail: FetchedMail = {
            identityId,
            mailbox,
            uidValidity,
            uid: msg.uid,
            source: msg.source,
            flags,
          };
          if (unconfirmed.has(msg.uid)) {
            // Published past the checkpoint before a crash: in the stream, not yet counted.
            await flush();
            await window.push(msg.uid, Promise.resolve());
            continue;
          }
          if (msg.uid <= resyncUntil) {
            mail.sha256 = contentHash(msg.source);
            const seen = known.get(mail.sha256) ?? 0;
            if (seen > 0) {
              // Published from this mailbox before its UIDVALIDITY changed: not again.
              known.set(mail.sha256, seen - 1);
              await flush();
              await window.push(msg.uid, Promise.resolve(), false);
              continue;
            }
          }
          batch.push(mail);
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
      // A finished pass has considered every message below UIDNEXT, published or not (since:
      // leaves older ones out, a resync those published before, and some were expunged).
      if (!result.cancelled) await saveCheckpoint(uidNext - 1, true);
    } finally {
      // Even when a publication failed, what was confirmed before it is kept.
      await saveCheckpoint();
    }
    return result;
  } finally {
    // A chunk still draining after a cancel holds the mailbox until it is through.
    if (draining) void draining.finally(() => lock.release());
    else lock.release();
  }
}

/** Reads what is left of a FETCH response and drops it, so that the connection goes on. */
async function drain(messages: AsyncIterator<unknown>): Promise<void> {
  try {
    while (!(await messages.next()).done);
  } catch {
    // The connection broke meanwhile: the session notices that on its own.
  }
}

function pick<T extends object, K extends keyof T>(from: T, key: K): Partial<Pick<T, K>> {
  return from[key] === undefined ? {} : ({ [key]: from[key] } as Partial<Pick<T, K>>);
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
