import { randomBytes } from 'node:crypto';
import type { SealedSecret } from '@ri/events';
import { SecretBox, SecretUnavailableError } from './secret-box.ts';

/**
 * Seals and opens an identity's secrets with a data key of its own, so that destroying that one
 * key (crypto-shredding) makes every copy of its secrets unreadable, in an event log that keeps
 * everything forever.
 */
export interface IdentityKeyring {
  /** Seals under the identity's data key, creating the key on first use. */
  sealFor(identityId: string, plaintext: string, purpose: string): Promise<SealedSecret>;
  /**
   * Opens a value sealed by `sealFor`, or one sealed straight with a master key before data
   * keys existed.
   * @throws SecretUnavailableError when the identity's key was shredded or does not open it.
   */
  openFor(identityId: string, sealed: SealedSecret, purpose: string): Promise<string>;
  /** Destroys the identity's data key for good; idempotent. */
  shred(identityId: string): Promise<void>;
}

/** What the store holds for an identity. */
export type StoredDataKey =
  { state: 'present'; wrapped: SealedSecret } | { state: 'absent' } | { state: 'shredded' };

/**
 * Storage of wrapped data keys, outside the immutable event log; a JetStream KV bucket in
 * production. It only ever sees keys wrapped by a master key.
 */
export interface DataKeyStore {
  get(identityId: string): Promise<StoredDataKey>;
  /** Stores the key unless the identity has one (or had one); false when it does. */
  create(identityId: string, wrapped: SealedSecret): Promise<boolean>;
  /** Removes the key and every earlier value of it, leaving a mark that it was shredded. */
  destroy(identityId: string): Promise<void>;
}

/** Prefix of a data key's `kid`; a master kid cannot contain `:` (see `secretBoxFromConfig`). */
const DATA_KID_PREFIX = 'dek:';

export function dataKeyId(identityId: string): string {
  return `${DATA_KID_PREFIX}${identityId}`;
}

/**
 * Envelope encryption: each identity's secrets are sealed (AES-256-GCM) with its own random
 * data key, and that key is stored wrapped by the active master key. Rotating the master key
 * leaves wrapped keys readable as long as the old master key stays configured.
 */
export class EnvelopeKeyring implements IdentityKeyring {
  constructor(
    private readonly master: SecretBox,
    private readonly store: DataKeyStore,
  ) {}

  async sealFor(identityId: string, plaintext: string, purpose: string): Promise<SealedSecret> {
    const box = await this.boxFor(identityId, { create: true });
    return box.seal(plaintext, sealingContext(identityId, purpose));
  }

  async openFor(identityId: string, sealed: SealedSecret, purpose: string): Promise<string> {
    const context = sealingContext(identityId, purpose);
    if (!sealed.kid.startsWith(DATA_KID_PREFIX)) {
      // Sealed before data keys, straight with a master key: still opens, and is not shredded.
      return this.master.open(sealed, context);
    }
    if (sealed.kid !== dataKeyId(identityId)) {
      throw new SecretUnavailableError(`sealed value belongs to another identity's data key`);
    }
    return (await this.boxFor(identityId, { create: false })).open(sealed, context);
  }

  shred(identityId: string): Promise<void> {
    return this.store.destroy(identityId);
  }

  private async boxFor(identityId: string, { create }: { create: boolean }): Promise<SecretBox> {
    const kid = dataKeyId(identityId);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const stored = await this.store.get(identityId);
      if (stored.state === 'present') {
        const key = Buffer.from(
          this.master.open(stored.wrapped, wrapContext(identityId)),
          'base64',
        );
        return new SecretBox({ keys: new Map([[kid, key]]), activeKid: kid });
      }
      if (stored.state === 'shredded') {
        throw new SecretUnavailableError(`the data key of identity ${identityId} was shredded`);
      }
      if (!create) throw new SecretUnavailableError(`identity ${identityId} has no data key`);
      const key = randomBytes(32);
      const wrapped = this.master.seal(key.toString('base64'), wrapContext(identityId));
      if (await this.store.create(identityId, wrapped)) {
        return new SecretBox({ keys: new Map([[kid, key]]), activeKid: kid });
      }
      // Another request created the identity's key first; use theirs.
    }
    throw new SecretUnavailableError(`the data key of identity ${identityId} keeps changing`);
  }
}

/** The additional data of a sealed secret; the same as before data keys, for old values. */
function sealingContext(identityId: string, purpose: string): string {
  return `${identityId}/${purpose}`;
}

// A wrapped key copied under another identity does not unwrap there.
function wrapContext(identityId: string): string {
  return `${identityId}/data-key`;
}
