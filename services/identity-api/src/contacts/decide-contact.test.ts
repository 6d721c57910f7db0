import { foldContact, newContactEvent, type ContactSubObject } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../problems/api-error.ts';
import {
  decideBindIdentity,
  decideCreateContact,
  decideRemoveSubObject,
  decideSetSubObject,
} from './decide-contact.ts';

const context = {
  contact_id: '0b3c1f2e-5d6a-4b7c-8d9e-0f1a2b3c4d5e',
  user_id: 'alice',
  correlation_id: '0d1f7a53-1b34-4a55-8f5a-7a6c1e2b3c4d',
  causation_id: null,
  occurred_at: '2026-12-03T10:00:00.000Z',
};
const EMAIL: ContactSubObject = {
  address: 'alice@example.org',
  is_primary: true,
  label: null,
  type: null,
  provider: null,
};
const withEmail = foldContact([
  newContactEvent('ContactCreated', {}, context),
  newContactEvent('ContactEmailSet', { subobject_id: 'w', subobject: EMAIL }, context),
]);

function codeOf(decide: () => unknown): string | undefined {
  try {
    decide();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe('contact decisions', () => {
  it('creates a contact once, then refuses with CONTACT_EXISTS', () => {
    expect(decideCreateContact(undefined)).toEqual([{ type: 'ContactCreated', data: {} }]);
    expect(codeOf(() => decideCreateContact(withEmail))).toBe('CONTACT_EXISTS');
  });

  it('creates the contact with its first sub-object and sets nothing already as wanted', () => {
    expect(decideSetSubObject(undefined, 'im', 'x', EMAIL).map((e) => e.type)).toEqual([
      'ContactCreated',
      'ContactImSet',
    ]);
    expect(decideSetSubObject(withEmail, 'email', 'w', EMAIL)).toEqual([]);
    const gmail = { ...EMAIL, provider: 'gmail' };
    expect(decideSetSubObject(withEmail, 'email', 'w', gmail)).toEqual([
      { type: 'ContactEmailSet', data: { subobject_id: 'w', subobject: gmail } },
    ]);
  });

  it('removes and binds only a sub-object of the named kind that the contact holds', () => {
    expect(decideRemoveSubObject(withEmail, 'email', 'w')).toHaveLength(1);
    expect(codeOf(() => decideRemoveSubObject(withEmail, 'im', 'w'))).toBe('SUBOBJECT_NOT_FOUND');
    const id = '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10';
    expect(decideBindIdentity(withEmail, 'email', 'w', id)).toEqual([
      {
        type: 'ContactIdentityBound',
        data: { kind: 'email', subobject_id: 'w', remote_identity_id: id },
      },
    ]);
    expect(codeOf(() => decideBindIdentity(withEmail, 'social_identity', 'w', id))).toBe(
      'IDENTITY_SUBOBJECT_NOT_FOUND',
    );
    expect(codeOf(() => decideBindIdentity(undefined, 'email', 'w', id))).toBe(
      'IDENTITY_SUBOBJECT_NOT_FOUND',
    );
  });
});
