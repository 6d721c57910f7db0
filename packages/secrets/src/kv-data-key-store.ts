import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { DEFAULT_TOPOLOGY, sealedSecretSchema, type Topology } from '@ri/events';
import { EnvelopeKeyring, type DataKeyStore, type StoredDataKey } from './identity-keyring.ts';
import type { SecretBox } from './secret-box.ts';

/** The bucket's name inside a namespace. */
export const IDENTITY_KEYS_BUCKET = 'identity-keys';

export interface OpenIdentityKeyringOptions {
  /** Wraps and unwraps the data keys; from `SECRETS_MASTER_KEY`. */
  master: SecretBox;
  /** Names the bucket, `identity-keys` in the namespace; the default namespace otherwise. */
  topology?: Topology;
  /** Replicas of the bucket; 1 on a single server, 3 on a production cluster. */
  replicas?: number;
}

/**
 * Opens (creating it if absent) the bucket of wrapped data keys, one per identity id, and the
 * keyring over it. History 1: a data key is written once and never replaced, so no older value
 * can linger behind the current one.
 */
export async function openIdentityKeyring(
  js: JetStreamClient,
  { master, topology = DEFAULT_TOPOLOGY, replicas = 1 }: OpenIdentityKeyringOptions,
): Promise<EnvelopeKeyring> {
  const bucket = topology.bucket(IDENTITY_KEYS_BUCKET);
  const kv = await new Kvm(js).create(bucket, { history: 1, replicas, storage: 'file' });
  return new EnvelopeKeyring(master, kvDataKeyStore(kv, await js.jetstreamManager(), bucket));
}

const encoder = new TextEncoder();

export function kvDataKeyStore(kv: KV, jsm: JetStreamManager, bucket: string): DataKeyStore {
  const stream = `KV_${bucket}`;
  return {
    async get(identityId): Promise<StoredDataKey> {
      const entry = await kv.get(identityId);
      if (!entry) return { state: 'absent' };
      if (entry.operation !== 'PUT') return { state: 'shredded' };
      return { state: 'present', wrapped: sealedSecretSchema.parse(entry.json()) };
    },
    async create(identityId, wrapped) {
      try {
        await kv.create(identityId, encoder.encode(JSON.stringify(wrapped)));
        return true;
      } catch (err) {
        if (isWrongLastSequence(err)) return false;
        throw err;
      }
    },
    async destroy(identityId) {
      const entry = await kv.get(identityId);
      if (entry?.operation === 'PUT') {
        // Erased, not just deleted: the server overwrites the stored message, where a purge
        // would only unlink it and leave its bytes in the block file until compaction.
        await jsm.streams.deleteMessage(stream, entry.revision, true).catch((err: unknown) => {
          if (!/no message found|not found/i.test(String(err))) throw err;
        });
      }
      // The purge mark drops any other revision and tells `get` the key is gone for good.
      await kv.purge(identityId);
    },
  };
}

// A create that lost: the key exists already.
function isWrongLastSequence(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return (
      err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
    );
  }
  return /wrong last sequence/i.test(String(err));
}
