import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.ts';

/**
 * Parses `SECRETS_MASTER_KEY`: comma-separated `kid:base64key` pairs, the first one active.
 * Older keys stay listed after a rotation so that secrets sealed with them still open.
 */
export function secretBoxFromConfig(value: string): SecretBox {
  const keys = new Map<string, Buffer>();
  let activeKid: string | undefined;
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error('SECRETS_MASTER_KEY entries must look like kid:base64key');
    const kid = part.slice(0, colon);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (key.length !== 32) {
      throw new Error(`SECRETS_MASTER_KEY key ${kid} must decode to 32 bytes`);
    }
    keys.set(kid, key);
    activeKid ??= kid;
  }
  if (!activeKid) throw new Error('SECRETS_MASTER_KEY holds no key');
  return new SecretBox({ keys, activeKid });
}

/** A fresh `kid:base64key` value, for development set-ups and key rotation. */
export function generateMasterKey(kid = `k${Date.now().toString(36)}`): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}
