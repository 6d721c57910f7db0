import { foldIdentity } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_PURPOSE } from '../commands/create-identity.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { EMAIL_PARAMS, PASSWORD, registration, representationOf } from '../testing/requests.ts';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
  // Identities are created on a sub-object of the caller's contact, which must exist first.
  await putContactEmail(harness);
  await putContactEmail(harness, { as: 'carol' });
});
afterAll(() => harness?.close());

describe('POST /v1/remote-identities', () => {
  it('appends RemoteIdentityCreated with the password sealed and answers 201', async () => {
    const response = await harness.call('POST', '/v1/remote-identities', { json: registration() });
    expect(response.status).toBe(201);
    const body = await representationOf(response);
    const id = body.remote_identity_id;

    expect(body).toEqual({
      remote_identity_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      is_fetching: false,
      connected: false,
      last_connection: null,
      connection_required: false,
      cancel_fetch_required: false,
      identity_type: 'email',
      identity_id: 'alice@example.org',
      params: {
        login: expect.stringMatching(/^alice\+\d+@example\.org$/),
        mail_protocol: 'IMAP',
        incomming_mail_server: 'imap.example.org',
        mail_port: '993',
        fetch_method: 'from_beginning',
      },
      last_error: null,
      paused_since: null,
      messages_fetched: 0,
      provider: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      sequence: expect.any(Number),
    });
    expect(response.headers.get('location')).toBe(`/v1/remote-identities/${id}`);
    expect(response.headers.get('etag')).toBe(`"${body.sequence}"`);

    const stored = await harness.events(id);
    expect(stored.map((s) => s.event.type)).toEqual(['RemoteIdentityCreated']);
    expect(stored[0]?.sequence).toBe(body.sequence);
    const created = stored[0]?.event;
    if (created?.type !== 'RemoteIdentityCreated') throw new Error('no creation event');
    expect(created.user_id).toBe('alice');
    expect(created.data.params.mail_port).toBe(993);
    expect(created.data.provider).toBeNull();
    const sealed = created.data.secrets.password;
    if (!sealed) throw new Error('no sealed password');
    expect(await harness.secrets.openFor(id, sealed, PASSWORD_PURPOSE)).toBe(PASSWORD);
  });

  it('keeps the plaintext password out of stored events, the answer and the logs', async () => {
    const response = await harness.call('POST', '/v1/remote-identities', {
      json: registration({ connection_required: true }),
    });
    const text = await response.text();
    const id = (JSON.parse(text) as { remote_identity_id: string }).remote_identity_id;

    const raw = await harness.rawEvents(id);
    expect(raw).toHaveLength(2);
    for (const event of raw) expect(event).not.toContain(PASSWORD);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('password');
    expect(harness.logLines.join('')).not.toContain(PASSWORD);
  });

  it('appends ConnectionRequested after the creation when a connection is required', async () => {
    const response = await harness.call('POST', '/v1/remote-identities', {
      json: registration({ connection_required: true }),
    });
    const body = await representationOf(response);
    const stored = await harness.events(body.remote_identity_id);
    expect(stored.map((s) => s.event.type)).toEqual([
      'RemoteIdentityCreated',
      'ConnectionRequested',
    ]);
    expect(body.connection_required).toBe(true);
    expect(body.sequence).toBe(stored[1]?.sequence);
    expect(foldIdentity(stored.map((s) => s.event))?.connection_required).toBe(true);
  });

  it('accepts incoming_mail_server and a numeric port', async () => {
    const { incomming_mail_server: server, ...params } = EMAIL_PARAMS;
    const response = await harness.call('POST', '/v1/remote-identities', {
      json: registration({ params: { ...params, incoming_mail_server: server, mail_port: 143 } }),
    });
    expect(response.status).toBe(201);
    const body = await representationOf(response);
    expect(body.params.incomming_mail_server).toBe('imap.example.org');
    expect(body.params.mail_port).toBe('143');
  });

  it('stamps every event with the caller and with the request id as correlation', async () => {
    const requestId = '0b0e5f7a-6a43-4d8f-9a55-6f0c6f7b1c2d';
    const response = await harness.call('POST', '/v1/remote-identities', {
      as: 'carol',
      json: registration({ connection_required: true }),
      headers: { 'X-Request-Id': requestId },
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const body = await representationOf(response);
    for (const { event } of await harness.events(body.remote_identity_id)) {
      expect(event.user_id).toBe('carol');
      expect(event.correlation_id).toBe(requestId);
    }
  });
});
