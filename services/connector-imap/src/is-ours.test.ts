import { foldIdentity, newEvent } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { isOurs } from './connector.ts';

const context = {
  remote_identity_id: '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10',
  user_id: 'alice',
  correlation_id: '0d1f7a53-1b34-4a55-8f5a-7a6c1e2b3c4d',
  causation_id: null,
  occurred_at: '2026-12-03T10:00:00.000Z',
};

const created = newEvent(
  'RemoteIdentityCreated',
  {
    identity_type: 'email',
    identity_id: 'work',
    provider: null,
    params: {
      login: 'alice',
      mail_protocol: 'IMAP',
      incomming_mail_server: 'imap.example.org',
      mail_port: 993,
      fetch_method: 'from_now',
    },
    secrets: {},
  },
  context,
);

describe('isOurs', () => {
  it('lets go of an identity once its contact email changed provider to gmail', () => {
    const before = foldIdentity([created]);
    if (!before) throw new Error('no state');
    expect(isOurs(before)).toBe(true);
    const after = foldIdentity([
      created,
      newEvent('RemoteIdentityProviderChanged', { provider: 'gmail' }, context),
    ]);
    if (!after) throw new Error('no state');
    expect(isOurs(after)).toBe(false);
  });

  it('leaves im and social identities to connectors of their own', () => {
    for (const identity_type of ['im', 'social_identity'] as const) {
      const state = foldIdentity([{ ...created, data: { ...created.data, identity_type } }]);
      if (!state) throw new Error('no state');
      expect(isOurs(state)).toBe(false);
    }
  });
});
