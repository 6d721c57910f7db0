import { randomUUID } from 'node:crypto';
import { newContactEvent, type ContactEventData, type ContactEventType } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { evolveContactRow } from './contact-row.ts';

const contactId = randomUUID();
let clock = Date.parse('2025-03-01T08:00:00.000Z');
function event<T extends ContactEventType>(type: T, data: ContactEventData<T>) {
  return newContactEvent(type, data, {
    contact_id: contactId,
    user_id: 'alice',
    correlation_id: randomUUID(),
    causation_id: null,
    occurred_at: new Date((clock += 1000)).toISOString(),
  });
}
const EMAIL = {
  address: 'alice@example.org',
  is_primary: true,
  label: 'work',
  type: 'work',
  provider: null,
};

describe('evolveContactRow', () => {
  it('creates an empty contact, then lists an email set on it with its insertion date', () => {
    const created = event('ContactCreated', {});
    const row = evolveContactRow(undefined, created, 3);
    expect(row).toMatchObject({ contact_id: contactId, user_id: 'alice', emails: [] });
    const set = event('ContactEmailSet', { subobject_id: 'w', subobject: EMAIL });
    const after = evolveContactRow(row, set, 4);
    expect(after?.emails).toEqual([{ id: 'w', ...EMAIL, date_insert: set.occurred_at }]);
    expect(after?.last_sequence).toBe(4);
    expect(after?.created_at).toEqual(new Date(created.occurred_at));
  });

  it('changes nothing for a second creation or an event of a contact it has no row of', () => {
    const row = evolveContactRow(undefined, event('ContactCreated', {}), 1);
    expect(evolveContactRow(row, event('ContactCreated', {}), 2)).toBe(row);
    const orphan = event('ContactEmailRemoved', { subobject_id: 'w' });
    expect(evolveContactRow(undefined, orphan, 3)).toBeUndefined();
  });
});
