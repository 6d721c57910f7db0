import type { KV } from '@nats-io/kv';

/** How far a mailbox has been published: every UID up to `last_uid` is in JetStream. */
export interface MailboxCheckpoint {
  uid_validity: string;
  last_uid: number;
  /** Messages published from this mailbox so far; absent in checkpoints of older releases. */
  published?: number;
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

  async forget(identityId: string): Promise<void> {
    const keys = await this.kv.keys(`${identityId}.>`);
    for await (const k of keys) await this.kv.purge(k);
  }
}

function key(identityId: string, mailbox: string): string {
  return `${identityId}.${Buffer.from(mailbox, 'utf8').toString('hex') || '00'}`;
}
