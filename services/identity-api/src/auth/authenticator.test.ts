import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../problems/api-error.ts';
import { createHs256Authenticator, signDevelopmentToken } from './authenticator.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123';
const auth = createHs256Authenticator({ secret: SECRET });
const key = new TextEncoder().encode(SECRET);

async function expectUnauthenticated(token: string, detail: RegExp): Promise<void> {
  const failure = await auth.verify(token).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(ApiError);
  expect((failure as ApiError).code).toBe('UNAUTHENTICATED');
  expect((failure as ApiError).message).toMatch(detail);
}

describe('HS256 authenticator', () => {
  it('accepts a development token and names its subject as the user', async () => {
    const token = await signDevelopmentToken(SECRET, 'user-42', 60);
    await expect(auth.verify(token)).resolves.toEqual({ userId: 'user-42' });
  });

  it('remembers a verified token only until it expires', async () => {
    let clock = Date.now();
    const timed = createHs256Authenticator({ secret: SECRET, now: () => new Date(clock) });
    const token = await signDevelopmentToken(SECRET, 'user-7', 60);
    await expect(timed.verify(token)).resolves.toEqual({ userId: 'user-7' });
    await expect(timed.verify(token)).resolves.toEqual({ userId: 'user-7' });
    clock += 120_000;
    const failure = await timed.verify(token).catch((err: unknown) => err);
    expect((failure as ApiError).code).toBe('UNAUTHENTICATED');
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signDevelopmentToken('another-secret-that-is-long-enough-99', 'u', 60);
    await expectUnauthenticated(token, /signature/);
  });

  it('rejects an expired token', async () => {
    const token = await signDevelopmentToken(SECRET, 'u', -120);
    await expectUnauthenticated(token, /expired/);
  });

  it('rejects a token without exp, since no token may live forever', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .sign(key);
    await expectUnauthenticated(token, /"exp"/);
  });

  it('rejects a token without a subject', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1m')
      .sign(key);
    await expectUnauthenticated(token, /"sub"/);
  });

  it('rejects a subject that the read model could not store or that is absurdly long', async () => {
    for (const subject of ['a\u0000b', 'bad\ud800', 'x'.repeat(256), 'tab\there']) {
      const token = await signDevelopmentToken(SECRET, subject, 60);
      await expectUnauthenticated(token, /usable subject/);
    }
  });

  it('rejects an unsigned token and one signed with another algorithm', async () => {
    const unsecured = new UnsecuredJWT({}).setSubject('u').setExpirationTime('1m').encode();
    await expectUnauthenticated(unsecured, /HS256|malformed/);
    const hs512 = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u')
      .setExpirationTime('1m')
      .sign(key);
    await expectUnauthenticated(hs512, /HS256/);
  });

  it('rejects garbage without echoing it', async () => {
    await expectUnauthenticated('not.a.jwt', /^The token is malformed/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => createHs256Authenticator({ secret: 'short' })).toThrow(/32 characters/);
  });
});
