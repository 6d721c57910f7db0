import { describe, expect, it } from 'vitest';
import { parseLogEvent } from './catalog.ts';
import { foldContact } from './contact-state.ts';
import { foldIdentity } from './identity-state.ts';
import { newContactEvent, newEvent } from './new-event.ts';

const CONTACT_ID = '0b3c1f2e-5d6a-4b7c-8d9e-0f1a2b3c4d5e';
const IDENTITY_ID = '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10';
let clock = Date.parse('2026-12-03T10:00:00.000Z');
const context = () => ({
  contact_id: CONTACT_ID,
  user_id: 'alice',
  correlation_id: '0d1f7a53-1b34-4a55-8f5a-7a6c1e2b3c4d',
  causation_id: null,
  occurred_at: new Date((clock += 1000)).toISOString(),
});

const email = (overrides = {}) => ({
  address: 'alice@example.org',
  is_primary: false,
  label: null,
  type: null,
  provider: null,
  ...overrides,
});

describe('foldContact', () => {
  it('keeps the first date_insert of a replaced email and its place in the list', () => {
    const created = newContactEvent('ContactCreated', {}, context());
    const first = newContactEvent(
      'ContactEmailSet',
      { subobject_id: 'a', subobject: email() },
      context(),
    );
    const second = newContactEvent(
      'ContactEmailSet',
      { subobject_id: 'b', subobject: email() },
      context(),
    );
    const replaced = newContactEvent(
      'ContactEmailSet',
      { subobject_id: 'a', subobject: email({ provider: 'gmail' }) },
      context(),
    );
    const state = foldContact([created, first, second, replaced]);
    expect(state?.subobjects.email.map((s) => [s.id, s.provider, s.date_insert])).toEqual([
      ['a', 'gmail', first.occurred_at],
      ['b', null, second.occurred_at],
    ]);
  });

  it('demotes the primary email when another one becomes primary', () => {
    const state = foldContact([
      newContactEvent('ContactCreated', {}, context()),
      newContactEvent(
        'ContactEmailSet',
        { subobject_id: 'a', subobject: email({ is_primary: true }) },
        context(),
      ),
      newContactEvent(
        'ContactEmailSet',
        { subobject_id: 'b', subobject: email({ is_primary: true }) },
        context(),
      ),
    ]);
    expect(state?.subobjects.email.map((s) => s.is_primary)).toEqual([false, true]);
  });

  it('removes a sub-object of its own kind only and records bindings', () => {
    const state = foldContact([
      newContactEvent('ContactCreated', {}, context()),
      newContactEvent('ContactEmailSet', { subobject_id: 'x', subobject: email() }, context()),
      newContactEvent('ContactImSet', { subobject_id: 'x', subobject: email() }, context()),
      newContactEvent(
        'ContactIdentityBound',
        { kind: 'im', subobject_id: 'x', remote_identity_id: IDENTITY_ID },
        context(),
      ),
      newContactEvent('ContactEmailRemoved', { subobject_id: 'x' }, context()),
    ]);
    expect(state?.subobjects.email).toEqual([]);
    expect(state?.subobjects.im.map((s) => s.id)).toEqual(['x']);
    expect(state?.bindings).toEqual([
      { kind: 'im', subobject_id: 'x', remote_identity_id: IDENTITY_ID },
    ]);
  });
});

describe('parseLogEvent', () => {
  it('reads a contact event in the contact envelope and an identity event in its own', () => {
    const contact = newContactEvent('ContactCreated', {}, context());
    expect(parseLogEvent(JSON.parse(JSON.stringify(contact)))).toEqual(contact);
    expect(() => parseLogEvent({ ...contact, contact_id: undefined })).toThrow(
      /invalid contact envelope/,
    );
    const identity = newEvent(
      'ConnectionRequested',
      {},
      {
        ...context(),
        remote_identity_id: IDENTITY_ID,
      },
    );
    expect(parseLogEvent(JSON.parse(JSON.stringify(identity)))).toEqual(identity);
  });
});

describe('RemoteIdentityProviderChanged', () => {
  it("replaces the identity's provider in its folded state", () => {
    const identity = { ...context(), remote_identity_id: IDENTITY_ID };
    const state = foldIdentity([
      newEvent(
        'RemoteIdentityCreated',
        {
          identity_type: 'email',
          identity_id: 'a',
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
        identity,
      ),
      newEvent('RemoteIdentityProviderChanged', { provider: 'gmail' }, identity),
    ]);
    expect(state?.provider).toBe('gmail');
  });
});
