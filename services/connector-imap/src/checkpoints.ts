import type { KV } from '@nats-io/kv';

/** How far a mailbox has been published: every UID up to `last_uid` is in JetStream. */
export interface MailboxCheckpoint {
  uid_validity: string;
  last_uid: number;
  /** Messages published from this mailbox so far; absent in checkpoints of older releases. */
  published?: number;
  /** The server's HIGHESTMODSEQ when the mailbox was last synced, where it has CONDSTORE. */
  highest_modseq?: string;
  /**
   * Set while a mailbox whose UIDVALIDITY changed is gone through again: UIDs up to this one
   * are published only when their content was not published from the mailbox before.
   */
  resync_until?: number;
  /**
   * The mail stream's sequence of the publication at `last_uid`. Whatever this mailbox
   * published after it, the stream holds above it: a sync after a crash reads that back.
   */
  stream_seq?: number;
  /** Names the mailbox had before renames: its earlier publications carry them. */
  previous_names?: string[];
  /** When the mailbox was first seen (ISO 8601): where `from_now` began. */
  first_seen_at?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Checkpoints in a JetStream KV bucket, so that they survive a connector restart and live
 * beside the messages they describe. Keys hold the mailbox name hex-encoded, since KV keys
 * allow only a few characters and mailbox names allow almost any.
 */
export class CheckpointStore {
  constructor(private readonly kv: KV) {}

  async get(identityId: string, mailbox: string): Promise<MailboxCheckpoint | undefined> {
    const entry = await this.kv.get(key(identityId, mailbox));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return JSON.parse(decoder.decode(entry.value)) as MailboxCheckpoint;
  }

  async put(identityId: string, mailbox: string, checkpoint: MailboxCheckpoint): Promise<void> {
    await this.kv.put(key(identityId, mailbox), encoder.encode(JSON.stringify(checkpoint)));
  }

  /** Every mailbox of the identity that has a checkpoint, by name. */
  async list(identityId: string): Promise<Map<string, MailboxCheckpoint>> {
    const found = new Map<string, MailboxCheckpoint>();
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${identityId}.>`)) keys.push(k);
    for (const k of keys) {
      const mailbox = Buffer.from(k.slice(identityId.length + 1), 'hex').toString('utf8');
      const checkpoint = await this.get(identityId, mailbox);
      if (checkpoint) found.set(mailbox, checkpoint);
    }
    return found;
  }

  /** Carries a renamed mailbox's checkpoint over to its new name. */
  async rename(identityId: string, from: string, to: string): Promise<void> {
    const checkpoint = await this.get(identityId, from);
    if (!checkpoint) return;
    const previous_names = [...(checkpoint.previous_names ?? []), from];
    await this.put(identityId, to, { ...checkpoint, previous_names });
    await this.kv.purge(key(identityId, from));
  }

  async forget(identityId: string): Promise<void> {
    const keys = await this.kv.keys(`${identityId}.>`);
    for await (const k of keys) await this.kv.purge(k);
    await this.kv.purge(baselineKey(identityId));
  }

  /**
   * Whether the identity's folders were all seen once: a folder that appears after that was
   * made after the connection, so all of it is new, even for `from_now`.
   */
  async foldersBaselined(identityId: string): Promise<boolean> {
    const entry = await this.kv.get(baselineKey(identityId));
    return entry?.operation === 'PUT';
  }

  async markFoldersBaselined(identityId: string): Promise<void> {
    await this.kv.put(baselineKey(identityId), encoder.encode(new Date().toISOString()));
  }
}

// Outside `<id>.>`, which holds only mailboxes.
function baselineKey(identityId: string): string {
  return `${identityId}_folders`;
}

function key(identityId: string, mailbox: string): string {
  return `${identityId}.${Buffer.from(mailbox, 'utf8').toString('hex') || '00'}`;
}
