export {
  EnvelopeKeyring,
  dataKeyId,
  type DataKeyStore,
  type IdentityKeyring,
  type StoredDataKey,
} from './identity-keyring.ts';
export { generateMasterKey, secretBoxFromConfig } from './keyring.ts';
export {
  IDENTITY_KEYS_BUCKET,
  kvDataKeyStore,
  openIdentityKeyring,
  type OpenIdentityKeyringOptions,
} from './kv-data-key-store.ts';
export { SecretBox, SecretUnavailableError, type SecretBoxOptions } from './secret-box.ts';
