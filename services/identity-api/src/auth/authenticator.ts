import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
} from 'jose';
import { ApiError } from '../problems/api-error.ts';
import { isStorableText } from '../storable-text.ts';

export interface AuthenticatedUser {
  /** The token's `sub`: every identity belongs to exactly one user id. */
  userId: string;
}

/** Turns a bearer token into a user; throws `ApiError('UNAUTHENTICATED')` otherwise. */
export interface Authenticator {
  verify(token: string): Promise<AuthenticatedUser>;
}

export interface Hs256AuthenticatorOptions {
  /** Shared HMAC secret, at least 32 characters (HS256 wants a 256-bit key). */
  secret: string;
  /** Clock skew allowed on `exp` and `nbf`; 5 seconds by default. */
  clockToleranceSeconds?: number;
  /** The clock that `exp` is checked against; the system clock by default. */
  now?: () => Date;
}

const MIN_SECRET_LENGTH = 32;
const MAX_SUBJECT_LENGTH = 255;
/** Verified tokens remembered at most; past it the memory starts afresh. */
const VERIFIED_TOKENS_KEPT = 10_000;
const encoder = new TextEncoder();

function hmacKey(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the JWT secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return encoder.encode(secret);
}

export interface JwtAuthenticatorOptions {
  /** Shared HMAC secret for HS256 tokens, at least 32 characters. */
  secret?: string;
  /** URL of a JSON Web Key Set for RS256 and ES256 tokens (an identity provider's). */
  jwksUrl?: string;
  /** Clock skew allowed on `exp` and `nbf`; 5 seconds by default. */
  clockToleranceSeconds?: number;
  /** The clock that `exp` is checked against; the system clock by default. */
  now?: () => Date;
}

/**
 * Verifies HS256 tokens with a shared secret and, when a key set is configured, RS256 and
 * ES256 tokens with its public keys. The algorithm allowed is fixed by what is configured, so
 * a token cannot pick `none` or make us treat the secret as a public key; `exp` is required so
 * that no token lives forever.
 */
export function createJwtAuthenticator({
  secret,
  jwksUrl,
  clockToleranceSeconds = 5,
  now = () => new Date(),
}: JwtAuthenticatorOptions): Authenticator {
  if (!secret && !jwksUrl) throw new Error('a JWT secret or a JWKS URL is required');
  const hmac = secret === undefined ? undefined : hmacKey(secret);
  // jose fetches the key set on demand, caches it and refetches on an unknown key id.
  const keySet = jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(jwksUrl));
  const algorithms = [...(hmac ? ['HS256'] : []), ...(keySet ? ['RS256', 'ES256'] : [])];
  const keyFor = (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    if (header.alg === 'HS256' && hmac) return hmac;
    if (keySet) return keySet(header, token);
    throw new joseErrors.JOSEAlgNotAllowed('algorithm not allowed');
  };
  // Verifying through jose's WebCrypto path costs about 0.4 ms; a client sends the same token
  // for its whole life, so a verified token is remembered, keyed by its exact text, until exp.
  const verified = new Map<string, { userId: string; expiresAtMs: number }>();
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && now().getTime() < known.expiresAtMs) return { userId: known.userId };
      if (known) verified.delete(token);
      let sub: unknown;
      let exp: number;
      try {
        const { payload } = await jwtVerify(token, keyFor, {
          algorithms,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: clockToleranceSeconds,
          currentDate: now(),
        });
        sub = payload.sub;
        exp = payload.exp ?? 0;
      } catch (err) {
        throw new ApiError('UNAUTHENTICATED', describeJoseFailure(err, algorithms), {
          cause: err,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      // The subject becomes every event's user_id: it must be storable and of sane length.
      if (
        typeof sub !== 'string' ||
        sub.length === 0 ||
        sub.length > MAX_SUBJECT_LENGTH ||
        !isStorableText(sub)
      ) {
        throw new ApiError('UNAUTHENTICATED', 'The token names no usable subject.', {
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.clear();
      verified.set(token, { userId: sub, expiresAtMs: exp * 1000 });
      return { userId: sub };
    },
  };
}

/** HS256 only, with a shared secret: development and services that share one. */
export function createHs256Authenticator(options: Hs256AuthenticatorOptions): Authenticator {
  return createJwtAuthenticator(options);
}

// The detail tells a client what to fix without echoing the token or the verifier's internals.
function describeJoseFailure(err: unknown, algorithms: string[]): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${err.claim}" claim is missing or invalid.`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return `The token must be signed with ${algorithms.join(' or ')}.`;
  }
  return 'The token is malformed or its signature does not verify.';
}

/**
 * Signs a token that the HS256 authenticator accepts, for local runs (`pnpm start` prints one)
 * and tests. Not an identity provider: production tokens come from the real one.
 */
export async function signDevelopmentToken(
  secret: string,
  userId: string,
  ttlSeconds = 3600,
): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(hmacKey(secret));
}
