import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret } from '@ri/events';

export class SecretUnavailableError extends Error {
  readonly code = 'SECRET_UNAVAILABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

export interface SecretBoxOptions {
  /** Keys by id; each 32 bytes. */
  keys: ReadonlyMap<string, Buffer>;
  /** The key that seals new secrets; the others only open old ones (rotation). */
  activeKid: string;
}

/**
 * Seals secrets with AES-256-GCM before they enter the event log, and opens them just before
 * use. The additional data binds a sealed value to its identity and purpose, so that a
 * ciphertext copied into another identity's event does not open there.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly activeKid: string;

  constructor({ keys, activeKid }: SecretBoxOptions) {
    for (const [kid, key] of keys) {
      if (key.length !== 32) throw new Error(`secret key ${kid} must be 32 bytes`);
    }
    if (!keys.has(activeKid)) throw new Error(`no secret key with id ${activeKid}`);
    this.keys = keys;
    this.activeKid = activeKid;
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.activeKid), iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      alg: 'A256GCM',
      kid: this.activeKid,
      iv: iv.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
      ct: ct.toString('base64url'),
    };
  }

  open(sealed: SealedSecret, context: string): string {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.key(sealed.kid),
      Buffer.from(sealed.iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    try {
      const pt = Buffer.concat([
        decipher.update(Buffer.from(sealed.ct, 'base64url')),
        decipher.final(),
      ]);
      return pt.toString('utf8');
    } catch (err) {
      throw new SecretUnavailableError('sealed secret does not open with its key', { cause: err });
    }
  }

  private key(kid: string): Buffer {
    const key = this.keys.get(kid);
    if (!key) throw new SecretUnavailableError(`no secret key with id ${kid}`);
    return key;
  }
}
