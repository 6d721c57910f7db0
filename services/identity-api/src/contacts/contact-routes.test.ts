import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { problemOf } from '../testing/requests.ts';
import { ownContactId } from './contact-id.ts';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

async function contactEvents(userId: string): Promise<string[]> {
  const stored = await harness.jetstream.log.readContact(ownContactId(userId));
  return stored.map((s) => s.event.type);
}

describe('POST /v1/contacts', () => {
  it('creates the contact once and answers 409 CONTACT_EXISTS the second time', async () => {
    const first = await harness.call('POST', '/v1/contacts', { as: 'olga' });
    expect(first.status).toBe(201);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ contact_id: ownContactId('olga'), emails: [], ims: [] });
    expect(first.headers.get('location')).toBe(`/v1/contacts/${ownContactId('olga')}`);

    const second = await harness.call('POST', '/v1/contacts', { as: 'olga' });
    expect(second.status).toBe(409);
    expect(await problemOf(second)).toMatchObject({ code: 'CONTACT_EXISTS' });
    expect(await contactEvents('olga')).toEqual(['ContactCreated']);
  });
});

describe('PUT /v1/contacts/{contact_id}/emails/{email_id}', () => {
  it('creates the contact on first use, adds with 201 and replaces with 200', async () => {
    const path = '/v1/contacts/me/emails/work';
    const email = { address: 'paul@example.org', is_primary: true, label: 'work', type: 'work' };
    const added = await harness.call('PUT', path, { as: 'paul', json: { email } });
    expect(added.status).toBe(201);
    const body = (await added.json()) as Record<string, unknown>;
    expect(body).toEqual({
      email_id: 'work',
      ...email,
      provider: null,
      date_insert: expect.any(String),
    });

    const replaced = await harness.call('PUT', path, {
      as: 'paul',
      json: { email: { ...email, provider: 'gmail' } },
    });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      provider: 'gmail',
      date_insert: body.date_insert,
    });
    expect(await contactEvents('paul')).toEqual([
      'ContactCreated',
      'ContactEmailSet',
      'ContactEmailSet',
    ]);
  });

  it('appends nothing when the email is sent again unchanged', async () => {
    await putContactEmail(harness, { as: 'quinn', emailId: 'home' });
    await putContactEmail(harness, { as: 'quinn', emailId: 'home' });
    expect(await contactEvents('quinn')).toEqual(['ContactCreated', 'ContactEmailSet']);
  });

  it('answers 422 for an address that is no mail address or an unknown field', async () => {
    for (const email of [{ address: 'nobody' }, { address: 'a@b.org', colour: 'red' }]) {
      const response = await harness.call('PUT', '/v1/contacts/me/emails/x', {
        as: 'rita',
        json: { email },
      });
      expect(response.status).toBe(422);
      expect(await problemOf(response)).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await contactEvents('rita')).toEqual([]);
  });

  it('sets ims and social identities with the same shape under their own names', async () => {
    const im = await harness.call('PUT', '/v1/contacts/me/ims/matrix', {
      as: 'sam',
      json: { im: { address: '@sam:example.org' } },
    });
    expect(im.status).toBe(201);
    expect(await im.json()).toMatchObject({ im_id: 'matrix', address: '@sam:example.org' });
    const social = await harness.call('PUT', '/v1/contacts/me/social_identities/mastodon', {
      as: 'sam',
      json: { social_identity: { address: '@sam@example.social', type: 'mastodon' } },
    });
    expect(social.status).toBe(201);
    expect(await contactEvents('sam')).toEqual([
      'ContactCreated',
      'ContactImSet',
      'ContactSocialIdentitySet',
    ]);
  });
});

describe('DELETE /v1/contacts/{contact_id}/emails/{email_id}', () => {
  it('removes the email with 204, then answers 404 SUBOBJECT_NOT_FOUND', async () => {
    await putContactEmail(harness, { as: 'tom', emailId: 'old' });
    const path = `/v1/contacts/${ownContactId('tom')}/emails/old`;
    expect((await harness.call('DELETE', path, { as: 'tom' })).status).toBe(204);
    const again = await harness.call('DELETE', path, { as: 'tom' });
    expect(again.status).toBe(404);
    expect(await problemOf(again)).toMatchObject({ code: 'SUBOBJECT_NOT_FOUND' });
  });
});

describe('POST /v1/remote-identities on a contact sub-object', () => {
  const params = {
    login: 'uma',
    password: 'secret',
    mail_protocol: 'IMAP',
    incomming_mail_server: 'imap.example.org',
    mail_port: 993,
    fetch_method: 'from_now',
  };

  it('answers 422 IDENTITY_SUBOBJECT_NOT_FOUND for an identity_id the contact lacks', async () => {
    await putContactEmail(harness, { as: 'uma', emailId: 'known' });
    const response = await harness.call('POST', '/v1/remote-identities', {
      as: 'uma',
      json: { identity_type: 'email', identity_id: 'unknown', params },
    });
    expect(response.status).toBe(422);
    expect(await problemOf(response)).toMatchObject({ code: 'IDENTITY_SUBOBJECT_NOT_FOUND' });
  });

  it('refuses to remove a sub-object while an identity is registered on it', async () => {
    await putContactEmail(harness, { as: 'wes', emailId: 'busy' });
    const created = await harness.call('POST', '/v1/remote-identities', {
      as: 'wes',
      json: { identity_type: 'email', identity_id: 'busy', params: { ...params, login: 'wes' } },
    });
    expect(created.status).toBe(201);
    const { remote_identity_id: id } = (await created.json()) as { remote_identity_id: string };
    const path = `/v1/contacts/me/emails/busy`;
    const refused = await harness.call('DELETE', path, { as: 'wes' });
    expect(refused.status).toBe(409);
    expect(await problemOf(refused)).toMatchObject({ code: 'SUBOBJECT_IN_USE' });

    expect(
      (await harness.call('DELETE', `/v1/remote-identities/${id}`, { as: 'wes' })).status,
    ).toBe(204);
    expect((await harness.call('DELETE', path, { as: 'wes' })).status).toBe(204);
  });

  it('accepts the API protocol only on a gmail sub-object', async () => {
    await putContactEmail(harness, { as: 'xia', emailId: 'plain' });
    await putContactEmail(harness, { as: 'xia', emailId: 'g', email: { provider: 'gmail' } });
    const api = { ...params, login: 'xia', mail_protocol: 'API' };
    const refused = await harness.call('POST', '/v1/remote-identities', {
      as: 'xia',
      json: { identity_type: 'email', identity_id: 'plain', params: api },
    });
    expect(refused.status).toBe(422);
    expect(await problemOf(refused)).toMatchObject({ code: 'VALIDATION_FAILED' });
    const accepted = await harness.call('POST', '/v1/remote-identities', {
      as: 'xia',
      json: { identity_type: 'email', identity_id: 'g', params: api },
    });
    expect(accepted.status).toBe(201);
  });

  it("takes the sub-object's provider at creation", async () => {
    await putContactEmail(harness, {
      as: 'vera',
      emailId: 'gmail',
      email: { provider: 'gmail' },
    });
    const response = await harness.call('POST', '/v1/remote-identities', {
      as: 'vera',
      json: { identity_type: 'email', identity_id: 'gmail', params: { ...params, login: 'vera' } },
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ identity_id: 'gmail', provider: 'gmail' });
  });

  it('gives bound identities the new provider when the email changes provider', async () => {
    await putContactEmail(harness, { as: 'wim', emailId: 'main' });
    const created = await harness.call('POST', '/v1/remote-identities', {
      as: 'wim',
      json: { identity_type: 'email', identity_id: 'main', params: { ...params, login: 'wim' } },
    });
    const id = ((await created.json()) as { remote_identity_id: string }).remote_identity_id;

    await putContactEmail(harness, { as: 'wim', emailId: 'main', email: { provider: 'gmail' } });
    const events = (await harness.events(id)).map((s) => s.event);
    expect(events.map((e) => e.type)).toEqual([
      'RemoteIdentityCreated',
      'RemoteIdentityProviderChanged',
    ]);
    expect(events[1]?.data).toEqual({ provider: 'gmail' });

    // Sent again, the same provider changes nothing more.
    await putContactEmail(harness, { as: 'wim', emailId: 'main', email: { provider: 'gmail' } });
    expect(await harness.events(id)).toHaveLength(2);
  });
});
