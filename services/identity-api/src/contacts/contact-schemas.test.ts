import { describe, expect, it } from 'vitest';
import { subObjectPutSchema } from './contact-schemas.ts';

describe('sub-object bodies', () => {
  it('takes for an email only a provider that has a connector, or null', () => {
    const email = subObjectPutSchema('email');
    const body = (provider: unknown) => ({ email: { address: 'a@example.org', provider } });
    expect(email.safeParse(body('gmail')).success).toBe(true);
    expect(email.safeParse(body(null)).success).toBe(true);
    expect(email.safeParse(body('yahoo')).success).toBe(false);
  });

  it('keeps the general form of a provider name for ims', () => {
    const im = subObjectPutSchema('im');
    expect(im.safeParse({ im: { address: 'alice', provider: 'xmpp' } }).success).toBe(true);
    expect(im.safeParse({ im: { address: 'alice', provider: 'Not Valid' } }).success).toBe(false);
  });
});
