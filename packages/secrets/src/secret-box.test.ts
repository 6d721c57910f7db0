import { describe, expect, it } from 'vitest';
import { generateMasterKey, secretBoxFromConfig } from './keyring.ts';

describe('SecretBox', () => {
  it('opens what it sealed and never keeps the plaintext in the sealed value', () => {
    const box = secretBoxFromConfig(generateMasterKey('a'));
    const sealed = box.seal('hunter2-marker', 'identity-1/password');
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(box.open(sealed, 'identity-1/password')).toBe('hunter2-marker');
  });

  it('refuses a sealed value moved to another identity', () => {
    const box = secretBoxFromConfig(generateMasterKey('a'));
    const sealed = box.seal('secret', 'identity-1/password');
    expect(() => box.open(sealed, 'identity-2/password')).toThrow(/does not open/);
  });

  it('opens secrets sealed with a rotated-out key while sealing with the new one', () => {
    const old = generateMasterKey('old');
    const sealed = secretBoxFromConfig(old).seal('secret', 'ctx');
    const rotated = secretBoxFromConfig(`${generateMasterKey('new')},${old}`);
    expect(rotated.open(sealed, 'ctx')).toBe('secret');
    expect(rotated.seal('x', 'ctx').kid).toBe('new');
  });

  it('rejects a master key that is not 32 bytes', () => {
    expect(() => secretBoxFromConfig('k:c2hvcnQ=')).toThrow(/32 bytes/);
  });
});
