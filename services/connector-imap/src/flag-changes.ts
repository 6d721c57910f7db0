import type { ImapFlow } from 'imapflow';
import { lastingFlags, type MailPublisher } from './mail-publisher.ts';

export interface FlagChangesOptions {
  client: ImapFlow;
  identityId: string;
  mailbox: string;
  uidValidity: string;
  /** The checkpoint's last UID: only messages published already have changes to tell. */
  upTo: number;
  /** The HIGHESTMODSEQ of the last pass: what changed after it is published. */
  since: bigint;
  publisher: MailPublisher;
}

/**
 * Publishes the flags of every published message that changed since the last pass (CONDSTORE:
 * FETCH ... (CHANGEDSINCE m)), so that readers learn of mail read or flagged elsewhere without
 * anyone fetching the whole mailbox's flags. Answers how many changes went out.
 */
export async function publishFlagChanges({
  client,
  identityId,
  mailbox,
  uidValidity,
  upTo,
  since,
  publisher,
}: FlagChangesOptions): Promise<number> {
  const sent: Promise<void>[] = [];
  const query = { uid: true, flags: true } as const;
  for await (const msg of client.fetch(`1:${upTo}`, query, { uid: true, changedSince: since })) {
    if (msg.uid > upTo) continue;
    sent.push(
      publisher.publishFlags({
        identityId,
        mailbox,
        uidValidity,
        uid: msg.uid,
        flags: lastingFlags(msg.flags),
        modseq: msg.modseq ?? since,
      }),
    );
  }
  await Promise.all(sent);
  return sent.length;
}
