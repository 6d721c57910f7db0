import { describe, expect, it } from 'vitest';
import { emailParamsSchema } from './params.ts';

const POP3 = {
  login: 'alice',
  mail_protocol: 'POP3',
  incomming_mail_server: 'pop.example.org',
  mail_port: 995,
  fetch_method: 'from_beginning',
};

describe('emailParamsSchema', () => {
  it('refuses what only IMAP has on a POP3 identity, naming the field', () => {
    for (const field of ['include_junk', 'include_trash'] as const) {
      const result = emailParamsSchema.safeParse({ ...POP3, [field]: true });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual([field]);
    }
    const since = emailParamsSchema.safeParse({ ...POP3, fetch_method: 'since:2026-01-01' });
    expect(since.error?.issues[0]?.path).toEqual(['fetch_method']);
  });

  it('takes the folder choices on IMAP', () => {
    const imap = { ...POP3, mail_protocol: 'IMAP', mail_port: 993, include_junk: true };
    expect(emailParamsSchema.parse(imap)).toMatchObject({ include_junk: true });
  });
});
