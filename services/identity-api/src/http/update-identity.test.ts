import { foldIdentity } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_PURPOSE } from '../commands/create-identity.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { insertIdentityRow } from '../testing/read-model-fixtures.ts';
import { PASSWORD, problemOf, registration, representationOf } from '../testing/requests.ts';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
  // Identities are created on a sub-object of the caller's contact, which must exist first.
  await putContactEmail(harness);
});
afterAll(() => harness?.close());

async function register(options: { as?: string; connection_required?: boolean } = {}) {
  const response = await harness.call('POST', '/v1/remote-identities', {
    as: options.as ?? 'alice',
    json: registration({ connection_required: options.connection_required ?? false }),
  });
  expect(response.status).toBe(201);
  const body = await representationOf(response);
  return { id: body.remote_identity_id, sequence: body.sequence };
}

async function eventTypes(id: string): Promise<string[]> {
  return (await harness.events(id)).map((stored) => stored.event.type);
}

function patch(id: string, json: unknown, headers: Record<string, string> = {}) {
  return harness.call('PATCH', `/v1/remote-identities/${id}`, { json, headers });
}

describe('PATCH /v1/remote-identities/{id}', () => {
  it('appends ConnectionRequested, then DisconnectionRequested, as the flag changes', async () => {
    const { id } = await register();
    const connect = await patch(id, { connection_required: true });
    expect(connect.status).toBe(200);
    expect(await connect.json()).toMatchObject({ connection_required: true });
    const disconnect = await patch(id, { connection_required: false });
    const body = await representationOf(disconnect);
    expect(body.connection_required).toBe(false);
    expect(disconnect.headers.get('etag')).toBe(`"${body.sequence}"`);
    expect(await eventTypes(id)).toEqual([
      'RemoteIdentityCreated',
      'ConnectionRequested',
      'DisconnectionRequested',
    ]);
  });

  it('appends FetchCancelled for cancel_fetch_required true and nothing for false', async () => {
    const { id } = await register({ connection_required: true });
    expect((await patch(id, { cancel_fetch_required: false })).status).toBe(200);
    const cancel = await patch(id, { cancel_fetch_required: true });
    expect(await cancel.json()).toMatchObject({ cancel_fetch_required: true });
    expect(await eventTypes(id)).toEqual([
      'RemoteIdentityCreated',
      'ConnectionRequested',
      'FetchCancelled',
    ]);
  });

  it('keeps the sealed password when params change without one', async () => {
    const { id } = await register();
    const before = foldIdentity((await harness.events(id)).map((s) => s.event));
    const response = await patch(id, { params: { mail_port: 143, login: 'alice2' } });
    const body = await representationOf(response);
    expect(body.params).toMatchObject({ mail_port: '143', login: 'alice2' });

    const stored = await harness.events(id);
    const updated = stored.at(-1)?.event;
    if (updated?.type !== 'RemoteIdentityUpdated') throw new Error('no update event');
    expect(updated.data.secrets).toEqual({});
    expect(updated.data.params.mail_port).toBe(143);
    const after = foldIdentity(stored.map((s) => s.event));
    expect(after?.secrets.password).toEqual(before?.secrets.password);
    const sealed = after?.secrets.password;
    if (!sealed) throw new Error('no password');
    expect(await harness.secrets.openFor(id, sealed, PASSWORD_PURPOSE)).toBe(PASSWORD);
  });

  it('seals a new password and appends nothing when the same one is sent again', async () => {
    const { id } = await register();
    const newPassword = 'N3w-pl41ntext-secret';
    expect((await patch(id, { params: { password: newPassword } })).status).toBe(200);
    expect((await patch(id, { params: { password: newPassword } })).status).toBe(200);

    const stored = await harness.events(id);
    expect(stored.map((s) => s.event.type)).toEqual([
      'RemoteIdentityCreated',
      'RemoteIdentityUpdated',
    ]);
    const sealed = foldIdentity(stored.map((s) => s.event))?.secrets.password;
    if (!sealed) throw new Error('no password');
    expect(await harness.secrets.openFor(id, sealed, PASSWORD_PURPOSE)).toBe(newPassword);
    for (const raw of await harness.rawEvents(id)) expect(raw).not.toContain(newPassword);
  });

  it('answers 422 for invalid params and appends nothing', async () => {
    const { id } = await register();
    const response = await patch(id, { params: { mail_port: 70000, nickname: 'x' } });
    expect(response.status).toBe(422);
    expect((await problemOf(response)).errors).toEqual([
      { path: '/params/mail_port', message: expect.any(String) },
      { path: '/params/nickname', message: 'is not a known field' },
    ]);
    expect(await eventTypes(id)).toEqual(['RemoteIdentityCreated']);
  });

  it('serves connector facts from the read model and requests from the log', async () => {
    const { id } = await register();
    await insertIdentityRow(harness.db, {
      remote_identity_id: id,
      connected: true,
      messages_fetched: 12,
      last_connection: new Date('2025-01-02T03:04:05Z'),
    });
    const body = await (await patch(id, { connection_required: true })).json();
    expect(body).toMatchObject({
      connected: true,
      messages_fetched: 12,
      last_connection: '2025-01-02T03:04:05.000Z',
      connection_required: true,
    });
  });

  it('answers 412 VERSION_CONFLICT for a stale If-Match and appends nothing', async () => {
    const { id, sequence } = await register();
    await patch(id, { connection_required: true });
    const response = await patch(
      id,
      { connection_required: false },
      { 'If-Match': `"${sequence}"` },
    );
    expect(response.status).toBe(412);
    expect(await problemOf(response)).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await eventTypes(id)).toEqual(['RemoteIdentityCreated', 'ConnectionRequested']);
  });

  it('applies a change whose If-Match names the current version', async () => {
    const { id, sequence } = await register();
    const response = await patch(
      id,
      { connection_required: true },
      { 'If-Match': `"${sequence}"` },
    );
    expect(response.status).toBe(200);
  });

  it('lets exactly one of two PATCHes with the same If-Match win', async () => {
    const { id, sequence } = await register();
    const ifMatch = { 'If-Match': `"${sequence}"` };
    const responses = await Promise.all([
      patch(id, { connection_required: true }, ifMatch),
      patch(id, { params: { login: 'racer' } }, ifMatch),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 412]);
    expect(await eventTypes(id)).toHaveLength(2);
  });

  it('applies three racing PATCHes without If-Match, deciding again on conflict', async () => {
    const { id } = await register();
    const responses = await Promise.all([
      patch(id, { connection_required: true }),
      // Not the earlier tests' 'racer': alice holds that login on this server already.
      patch(id, { params: { login: 'racer-of-three' } }),
      patch(id, { cancel_fetch_required: true }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const state = foldIdentity((await harness.events(id)).map((s) => s.event));
    expect(state).toMatchObject({
      connection_required: true,
      cancel_fetch_required: true,
      params: { login: 'racer-of-three' },
    });
  });
});

describe('DELETE /v1/remote-identities/{id}', () => {
  it('appends RemoteIdentityDeleted and answers 204 with the new version', async () => {
    const { id } = await register();
    const response = await harness.call('DELETE', `/v1/remote-identities/${id}`);
    expect(response.status).toBe(204);
    const stored = await harness.events(id);
    expect(stored.map((s) => s.event.type)).toEqual([
      'RemoteIdentityCreated',
      'RemoteIdentityDeleted',
    ]);
    expect(response.headers.get('etag')).toBe(`"${stored.at(-1)?.sequence}"`);
  });

  it('answers 404 once the identity is deleted', async () => {
    const { id } = await register();
    await harness.call('DELETE', `/v1/remote-identities/${id}`);
    expect((await harness.call('DELETE', `/v1/remote-identities/${id}`)).status).toBe(404);
    expect((await patch(id, { connection_required: true })).status).toBe(404);
  });
});

describe("another user's identity", () => {
  it('is not found on GET, PATCH and DELETE, and is left untouched', async () => {
    const { id } = await register({ as: 'alice' });
    await insertIdentityRow(harness.db, { remote_identity_id: id, user_id: 'alice' });
    const path = `/v1/remote-identities/${id}`;
    const answers = [
      await harness.call('GET', path, { as: 'mallory' }),
      await harness.call('PATCH', path, { as: 'mallory', json: { connection_required: true } }),
      await harness.call('DELETE', path, { as: 'mallory' }),
    ];
    for (const response of answers) {
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
    }
    expect(await eventTypes(id)).toEqual(['RemoteIdentityCreated']);
    expect((await harness.call('GET', path, { as: 'alice' })).status).toBe(200);
  });

  it('answers 404 for an id that is not a uuid, without touching NATS', async () => {
    for (const id of ['not-a-uuid', '*', '>']) {
      const response = await patch(encodeURIComponent(id), { connection_required: true });
      expect(response.status).toBe(404);
    }
  });
});
