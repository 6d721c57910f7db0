import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateMasterKey } from '@ri/secrets';

/**
 * Development keys that survive restarts: generated once into the data folder (mode 0600),
 * so that secrets sealed yesterday still open today. Production passes them in the
 * environment instead.
 */
export function developmentSecret(file: string, kind: 'master-key' | 'jwt-secret'): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const value = kind === 'master-key' ? generateMasterKey('dev') : randomBytes(32).toString('hex');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
