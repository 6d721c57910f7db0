import { describe, expect, it } from 'vitest';
import { classifyFailure, userActionFor } from './failure.ts';

describe('classifyFailure', () => {
  it('reports a refused destination as DESTINATION_NOT_ALLOWED, not worth a retry', () => {
    const err = Object.assign(new Error('10.0.0.1 is private'), {
      code: 'DESTINATION_NOT_ALLOWED',
    });
    expect(classifyFailure(err)).toEqual({
      code: 'DESTINATION_NOT_ALLOWED',
      message: '10.0.0.1 is private',
      transient: false,
    });
  });

  it('reports a shredded or missing password as SECRET_UNAVAILABLE, not worth a retry', () => {
    for (const code of ['SECRET_UNAVAILABLE', 'NO_SECRET']) {
      const failure = classifyFailure(Object.assign(new Error('gone'), { code }));
      expect(failure).toMatchObject({ code: 'SECRET_UNAVAILABLE', transient: false });
    }
  });

  it('keeps a resolver that did not answer in time a transient TIMEOUT', () => {
    const err = Object.assign(new Error('slow'), { code: 'DNS_TIMEOUT' });
    expect(classifyFailure(err)).toMatchObject({ code: 'TIMEOUT', transient: true });
  });

  it('reports a SELECT of INBOX answered with NO as a transient MAILBOX_UNAVAILABLE', () => {
    const err = Object.assign(new Error('Command failed'), {
      responseStatus: 'NO',
      executedCommand: '4 SELECT INBOX',
      responseText: '[UNAVAILABLE] Mailbox is locked',
    });
    expect(classifyFailure(err)).toEqual({
      code: 'MAILBOX_UNAVAILABLE',
      message: '[UNAVAILABLE] Mailbox is locked',
      transient: true,
    });
  });

  it('reports a connection dropped after a TLS start as CONNECTION_LOST, worth a retry', () => {
    for (const code of ['ClosedAfterConnectTLS', 'NoConnection', 'ECONNRESET']) {
      const failure = classifyFailure(Object.assign(new Error('Unexpected close'), { code }));
      expect(failure).toMatchObject({ code: 'CONNECTION_LOST', transient: true });
    }
  });

  it('tells the user to log in again, check settings, or wait, by kind of failure', () => {
    const auth = Object.assign(new Error('no'), { authenticationFailed: true });
    expect(userActionFor(classifyFailure(auth))).toBe('relogin');
    const tls = Object.assign(new Error('bad cert'), { code: 'CERT_HAS_EXPIRED' });
    expect(userActionFor(classifyFailure(tls))).toBe('check_settings');
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(userActionFor(classifyFailure(refused))).toBe('none');
  });

  it('takes a numeric code, as NATS API errors carry, for a server error that may pass', () => {
    const refused = Object.assign(new Error('maximum messages exceeded'), { code: 503 });
    expect(classifyFailure(refused)).toMatchObject({ code: 'SERVER_ERROR', transient: true });
  });
});
