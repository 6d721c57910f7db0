export {
  createHs256Authenticator,
  createJwtAuthenticator,
  signDevelopmentToken,
  type AuthenticatedUser,
  type Authenticator,
  type Hs256AuthenticatorOptions,
  type JwtAuthenticatorOptions,
} from './auth/authenticator.ts';
export type { SecretSealer } from './commands/create-identity.ts';
export type { IdentityLog } from './commands/identity-log.ts';
export {
  kvLoginKeyStore,
  openLoginKeyStore,
  type OpenLoginKeyStoreOptions,
} from './commands/kv-login-key-store.ts';
export type { LoginKeyStore, LoginReservation } from './commands/login-reservations.ts';
export { createApi, type IdentityApiDeps } from './http/create-api.ts';
export { MAX_BODY_BYTES } from './http/json-body.ts';
export {
  startIdentityApi,
  type RunningIdentityApi,
  type StartIdentityApiOptions,
} from './http/start-identity-api.ts';
export {
  API_ERROR_CODES,
  ApiError,
  type ApiErrorCode,
  type FieldError,
} from './problems/api-error.ts';
export type { Problem } from './problems/problem-response.ts';
export type { RemoteIdentityRepresentation } from './representation/remote-identity.ts';
export {
  startShredder,
  type RunningShredder,
  type StartShredderOptions,
} from './shredding/shred-deleted-identities.ts';
