import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { DEFAULT_TOPOLOGY, type Topology } from '@ri/events';
import type { LoginKeyStore, LoginReservation } from './login-reservations.ts';

export interface OpenLoginKeyStoreOptions {
  /** Names the bucket, `identity-logins` in the namespace; the default namespace otherwise. */
  topology?: Topology;
  /** Replicas of the bucket; 1 on a single server, 3 on a production cluster. */
  replicas?: number;
}

/** Opens (creating it if absent) the KV bucket of login reservations. */
export async function openLoginKeyStore(
  js: JetStreamClient,
  { topology = DEFAULT_TOPOLOGY, replicas = 1 }: OpenLoginKeyStoreOptions = {},
): Promise<LoginKeyStore> {
  const kv = await new Kvm(js).create(topology.bucket('identity-logins'), {
    history: 1,
    replicas,
    storage: 'file',
  });
  return kvLoginKeyStore(kv);
}

export function kvLoginKeyStore(kv: KV): LoginKeyStore {
  return {
    async create(key, holder) {
      try {
        await kv.create(key, holder);
        return true;
      } catch (err) {
        if (isWrongLastSequence(err)) return false;
        throw err;
      }
    },
    async get(key) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') return undefined;
      const reservation: LoginReservation = {
        holder: entry.string(),
        revision: entry.revision,
        createdAt: entry.created,
      };
      return reservation;
    },
    async replace(key, holder, revision) {
      try {
        await kv.update(key, holder, revision);
        return true;
      } catch (err) {
        if (isWrongLastSequence(err)) return false;
        throw err;
      }
    },
    async remove(key, revision) {
      try {
        await kv.delete(key, { previousSeq: revision });
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    },
  };
}

// A conditional write that lost: the key exists, or moved since it was read.
function isWrongLastSequence(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return (
      err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
    );
  }
  return /wrong last sequence/i.test(String(err));
}
