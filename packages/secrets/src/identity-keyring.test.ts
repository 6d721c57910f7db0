import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '@ri/event-store';
import { topology } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvelopeKeyring } from './identity-keyring.ts';
import { generateMasterKey, secretBoxFromConfig } from './keyring.ts';
import { IDENTITY_KEYS_BUCKET, openIdentityKeyring } from './kv-data-key-store.ts';
import { SecretUnavailableError } from './secret-box.ts';

// Against the real NATS: the bucket is what keeps the data keys, so it is what is tested.
let nc: NatsConnection;
let jsm: JetStreamManager;
const names = topology(`keys-${randomBytes(4).toString('hex')}`);
const stream = `KV_${names.bucket(IDENTITY_KEYS_BUCKET)}`;
const oldMaster = generateMasterKey('old');
let keyring: EnvelopeKeyring;

beforeAll(async () => {
  nc = await connectNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'test' });
  jsm = await jetstreamManager(nc);
  keyring = await openIdentityKeyring(jetstream(nc), {
    master: secretBoxFromConfig(oldMaster),
    topology: names,
  });
});

afterAll(async () => {
  await jsm?.streams.delete(stream).catch(() => false);
  await nc?.drain();
});

/** Every message the bucket's stream still holds, as text. */
async function bucketContents(): Promise<string[]> {
  const info = await jsm.streams.info(stream);
  const out: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg) out.push(`${msg.subject} ${msg.string()}`);
  }
  return out;
}

describe('EnvelopeKeyring over JetStream KV', () => {
  it('seals with a data key of the identity that the master key wraps in the bucket', async () => {
    const id = randomUUID();
    const sealed = await keyring.sealFor(id, 'marker-plaintext', 'password');
    expect(sealed.kid).toBe(`dek:${id}`);
    expect(JSON.stringify(sealed)).not.toContain('marker-plaintext');
    expect(await keyring.openFor(id, sealed, 'password')).toBe('marker-plaintext');
    const stored = (await bucketContents()).filter((m) => m.includes(id));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain('"kid":"old"');
  });

  it('keeps one data key per identity across seals', async () => {
    const id = randomUUID();
    const first = await keyring.sealFor(id, 'one', 'password');
    const second = await keyring.sealFor(id, 'two', 'password');
    expect(await keyring.openFor(id, first, 'password')).toBe('one');
    expect(await keyring.openFor(id, second, 'password')).toBe('two');
    expect((await bucketContents()).filter((m) => m.includes(id))).toHaveLength(1);
  });

  it('refuses a sealed value moved to another identity or another purpose', async () => {
    const id = randomUUID();
    const other = randomUUID();
    const sealed = await keyring.sealFor(id, 'secret', 'password');
    await keyring.sealFor(other, 'x', 'password');
    await expect(keyring.openFor(other, sealed, 'password')).rejects.toThrow(
      SecretUnavailableError,
    );
    await expect(keyring.openFor(id, sealed, 'token')).rejects.toThrow(SecretUnavailableError);
  });

  it('cannot open anything of a shredded identity, and leaves no copy of its key', async () => {
    const id = randomUUID();
    const sealed = await keyring.sealFor(id, 'secret', 'password');
    const wrapped = (await bucketContents()).find((m) => m.includes(id));
    await keyring.shred(id);
    await keyring.shred(id);
    await expect(keyring.openFor(id, sealed, 'password')).rejects.toThrow(/shredded/);
    await expect(keyring.sealFor(id, 'again', 'password')).rejects.toThrow(/shredded/);
    const after = (await bucketContents()).filter((m) => m.includes(id));
    expect(after.every((m) => !m.includes('"ct"'))).toBe(true);
    expect(after).not.toContain(wrapped);
  });

  it('still opens a secret sealed straight with a master key before data keys', async () => {
    const id = randomUUID();
    const legacy = secretBoxFromConfig(oldMaster).seal('legacy', `${id}/password`);
    expect(await keyring.openFor(id, legacy, 'password')).toBe('legacy');
  });

  it('unwraps data keys wrapped before a master key rotation', async () => {
    const id = randomUUID();
    const sealed = await keyring.sealFor(id, 'secret', 'password');
    const rotated = await openIdentityKeyring(jetstream(nc), {
      master: secretBoxFromConfig(`${generateMasterKey('new')},${oldMaster}`),
      topology: names,
    });
    expect(await rotated.openFor(id, sealed, 'password')).toBe('secret');
    const fresh = randomUUID();
    await rotated.sealFor(fresh, 'x', 'password');
    expect((await bucketContents()).find((m) => m.includes(fresh))).toContain('"kid":"new"');
  });

  it('opens nothing with the wrong master key', async () => {
    const id = randomUUID();
    const sealed = await keyring.sealFor(id, 'secret', 'password');
    const stranger = await openIdentityKeyring(jetstream(nc), {
      master: secretBoxFromConfig(generateMasterKey('old')),
      topology: names,
    });
    await expect(stranger.openFor(id, sealed, 'password')).rejects.toThrow(SecretUnavailableError);
  });
});
