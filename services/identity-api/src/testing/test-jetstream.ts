import { randomBytes } from 'node:crypto';
import { connectNats, openJetStream, type JetStreamContext } from '@ri/event-store';
import { topology } from '@ri/events';
import {
  generateMasterKey,
  IDENTITY_KEYS_BUCKET,
  openIdentityKeyring,
  secretBoxFromConfig,
  type EnvelopeKeyring,
} from '@ri/secrets';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * JetStream on the real server, in a namespace of its own: the streams are this test file's,
 * so that other suites reading the identity stream never meet our events, and ours are removed
 * afterwards.
 */
export async function openTestJetStream(): Promise<JetStreamContext> {
  const nc = await connectNats({ url: NATS_URL, name: 'identity-api-test' });
  return openJetStream(nc, { topology: topology(`idapi-${randomBytes(4).toString('hex')}`) });
}

/** The real keyring over the namespace's data key bucket, under a fresh master key. */
export function openTestKeyring({ js, topology }: JetStreamContext): Promise<EnvelopeKeyring> {
  const master = secretBoxFromConfig(generateMasterKey('test'));
  return openIdentityKeyring(js, { master, topology });
}

/** Deletes the namespace's streams, the buckets included, and closes the connection. */
export async function closeTestJetStream({ nc, jsm, topology }: JetStreamContext): Promise<void> {
  const loginBucket = `KV_${topology.bucket('identity-logins')}`;
  const keyBucket = `KV_${topology.bucket(IDENTITY_KEYS_BUCKET)}`;
  for (const stream of [topology.identityStream, topology.mailStream, loginBucket, keyBucket]) {
    await jsm.streams.delete(stream).catch(() => false);
  }
  await nc.drain();
}
