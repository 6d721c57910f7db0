import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
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
}

const MIN_SECRET_LENGTH = 32;
const MAX_SUBJECT_LENGTH = 255;
const encoder = new TextEncoder();

function hmacKey(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the JWT secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return encoder.encode(secret);
}

/**
 * Verifies HS256 tokens. Only HS256 is accepted, so a token cannot pick a weaker algorithm
 * (`none`) or make us treat the secret as a public key; `exp` is required so that no token
 * lives forever.
 */
export function createHs256Authenticator({
  secret,
  clockToleranceSeconds = 5,
}: Hs256AuthenticatorOptions): Authenticator {
  const key = hmacKey(secret);
  return {
    async verify(token) {
      let sub: unknown;
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'sub'],
          clockTolerance: clockToleranceSeconds,
        });
        sub = payload.sub;
      } catch (err) {
        throw new ApiError('UNAUTHENTICATED', describeJoseFailure(err), {
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
      return { userId: sub };
    },
  };
}

// The detail tells a client what to fix without echoing the token or the verifier's internals.
function describeJoseFailure(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${err.claim}" claim is missing or invalid.`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The token must be signed with HS256.';
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
