import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../problems/api-error.ts';
import { createJwtAuthenticator, signDevelopmentToken } from './authenticator.ts';

// An identity provider's key set, served on loopback as a provider serves it over HTTPS.
let server: Server;
let jwksUrl: string;
let es256: { privateKey: CryptoKey; publicKey: CryptoKey };
let rs256: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
const SECRET = 'a-test-secret-that-is-long-enough-0123';

beforeAll(async () => {
  es256 = await generateKeyPair('ES256');
  rs256 = await generateKeyPair('RS256');
  stranger = await generateKeyPair('ES256');
  const keys = [
    { ...(await exportJWK(es256.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rs256.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
  ];
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function sign(key: CryptoKey, alg: string, kid: string, sub = 'user-idp') {
  return new SignJWT({})
    .setProtectedHeader({ alg, kid })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(key);
}

async function failureOf(promise: Promise<unknown>): Promise<ApiError> {
  return (await promise.catch((err: unknown) => err)) as ApiError;
}

describe('JWT authenticator with a key set', () => {
  it('accepts ES256 and RS256 tokens signed by the key set', async () => {
    const auth = createJwtAuthenticator({ jwksUrl });
    await expect(auth.verify(await sign(es256.privateKey, 'ES256', 'es'))).resolves.toEqual({
      userId: 'user-idp',
    });
    await expect(auth.verify(await sign(rs256.privateKey, 'RS256', 'rs'))).resolves.toEqual({
      userId: 'user-idp',
    });
  });

  it('rejects a token signed by a key that is not in the set', async () => {
    const auth = createJwtAuthenticator({ jwksUrl });
    const failure = await failureOf(auth.verify(await sign(stranger.privateKey, 'ES256', 'es')));
    expect(failure.code).toBe('UNAUTHENTICATED');
  });

  it('accepts HS256 only when a secret is configured beside the key set', async () => {
    const hsToken = await signDevelopmentToken(SECRET, 'user-dev', 60);
    const onlyKeys = createJwtAuthenticator({ jwksUrl });
    expect((await failureOf(onlyKeys.verify(hsToken))).code).toBe('UNAUTHENTICATED');
    const both = createJwtAuthenticator({ jwksUrl, secret: SECRET });
    await expect(both.verify(hsToken)).resolves.toEqual({ userId: 'user-dev' });
    await expect(both.verify(await sign(es256.privateKey, 'ES256', 'es'))).resolves.toEqual({
      userId: 'user-idp',
    });
  });

  it('rejects an RS256 token when only a secret is configured', async () => {
    const onlySecret = createJwtAuthenticator({ secret: SECRET });
    const failure = await failureOf(onlySecret.verify(await sign(rs256.privateKey, 'RS256', 'rs')));
    expect(failure.code).toBe('UNAUTHENTICATED');
    expect(failure.message).toMatch(/HS256/);
  });
});
