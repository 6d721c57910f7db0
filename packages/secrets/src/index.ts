export { generateMasterKey, secretBoxFromConfig } from './keyring.ts';
export { SecretBox, SecretUnavailableError, type SecretBoxOptions } from './secret-box.ts';
