import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../failure.ts';
import { isCredentialRejection } from './pop3-client.ts';

describe('POP3 login answers', () => {
  it('takes a plain -ERR to PASS as rejected credentials', () => {
    expect(isCredentialRejection('[AUTH] Authentication failed.')).toBe(true);
    expect(isCredentialRejection('Invalid login')).toBe(true);
  });

  it('does not blame the credentials for a locked or failing maildrop', () => {
    expect(isCredentialRejection('[IN-USE] Mailbox is locked')).toBe(false);
    expect(isCredentialRejection('[SYS/TEMP] Internal error')).toBe(false);
  });

  it('maps a rejected POP3 login to AUTH_FAILED, which is not retried', () => {
    const err = Object.assign(new Error('[AUTH] Authentication failed.'), {
      authenticationFailed: true,
    });
    expect(classifyFailure(err)).toMatchObject({ code: 'AUTH_FAILED', transient: false });
  });
});
