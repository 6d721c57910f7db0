import { gunzipSync, gzipSync } from 'node:zlib';
import type { KV } from '@nats-io/kv';

/**
 * The UIDLs of an identity's POP3 messages that are published, one KV value per identity: the
 * ids joined by newlines (UIDLs are printable ASCII without spaces), gzipped. A sync reads it
 * once per poll and rewrites it whole after each confirmed batch; it holds only the messages
 * still on the server, so it stays the size of the mailbox.
 *
 * Why one value and not one key per UIDL: a poll must know the whole set, and one GET is
 * cheaper than listing 10,000 keys; pruning messages gone from the server is a rewrite
 * instead of thousands of deletes. 10,000 Dovecot UIDLs (17 bytes each) are 170 kB raw and a
 * fraction of that gzipped, far below NATS' default max_payload of 1 MB.
 */
export class UidlStore {
  constructor(
    private readonly kv: KV,
    /** Largest value the server accepts (its max_payload). */
    private readonly maxBytes = 1 << 20,
  ) {}

  /** The published UIDLs, or undefined before the identity's first POP3 connection. */
  async get(identityId: string): Promise<Set<string> | undefined> {
    const entry = await this.kv.get(identityId);
    if (!entry || entry.operation !== 'PUT') return undefined;
    if (entry.value.length === 0) return new Set();
    const text = gunzipSync(entry.value).toString('latin1');
    return new Set(text.split('\n').filter(Boolean));
  }

  async put(identityId: string, uidls: Iterable<string>): Promise<void> {
    const value = gzipSync(Buffer.from([...uidls].join('\n'), 'latin1'));
    if (value.length > this.maxBytes) {
      // LIMITATION: a mailbox whose UIDL list exceeds max_payload even gzipped (around a
      // million Dovecot UIDLs) cannot be followed; the fetch fails with this message.
      throw Object.assign(new Error(`UIDL list of ${value.length} bytes exceeds max_payload`), {
        code: 'UIDL_LIST_TOO_LARGE',
      });
    }
    await this.kv.put(identityId, value);
  }

  async forget(identityId: string): Promise<void> {
    await this.kv.purge(identityId);
  }
}
