import type { IdentityState } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../problems/api-error.ts';
import { decideDelete, decideUpdate } from './decide-update.ts';

const SEALED = { alg: 'A256GCM' as const, kid: 'k', iv: 'iv', tag: 'tag', ct: 'ct' };

function givenIdentity(overrides: Partial<IdentityState> = {}): IdentityState {
  return {
    remote_identity_id: '6f1b9c1e-2f7a-4c55-9d0e-0a3b1c2d3e4f',
    user_id: 'alice',
    identity_type: 'email',
    identity_id: 'alice@example.org',
    provider: null,
    params: {
      login: 'alice',
      mail_protocol: 'IMAP',
      incomming_mail_server: 'imap.example.org',
      mail_port: 993,
      fetch_method: 'from_now',
    },
    secrets: { password: SEALED },
    connection_required: false,
    cancel_fetch_required: false,
    deleted: false,
    ...overrides,
  };
}

const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('decideUpdate', () => {
  it('requests a connection for a disconnected identity', () => {
    expect(types(decideUpdate(givenIdentity(), { connection_required: true }))).toEqual([
      'ConnectionRequested',
    ]);
  });

  it('requests a disconnection for a connected identity', () => {
    const state = givenIdentity({ connection_required: true });
    expect(types(decideUpdate(state, { connection_required: false }))).toEqual([
      'DisconnectionRequested',
    ]);
  });

  it('decides nothing when the identity already holds the wanted values', () => {
    const state = givenIdentity({ connection_required: true, cancel_fetch_required: true });
    const same = { cancel_fetch_required: true, params: state.params };
    expect(decideUpdate(state, same)).toEqual([]);
    expect(decideUpdate(state, { cancel_fetch_required: false })).toEqual([]);
  });

  it('refuses the API protocol for an identity whose provider has no API', () => {
    expect(() => decideUpdate(givenIdentity(), { params: { mail_protocol: 'API' } })).toThrow(
      /Validation|invalid|field/i,
    );
    const gmail = { ...givenIdentity(), provider: 'gmail' };
    const [event] = decideUpdate(gmail, { params: { mail_protocol: 'API' } });
    expect(event?.data).toMatchObject({ params: { mail_protocol: 'API' } });
  });

  it('records a new polling interval as a params change', () => {
    const [event] = decideUpdate(givenIdentity(), { params: { polling_interval: 600 } });
    expect(event?.type).toBe('RemoteIdentityUpdated');
    expect(event?.data).toMatchObject({ params: { polling_interval: 600 } });
  });

  it('requests the connection again when asked again, to retry or resume', () => {
    const state = givenIdentity({ connection_required: true });
    expect(types(decideUpdate(state, { connection_required: true }))).toEqual([
      'ConnectionRequested',
    ]);
  });

  it('cancels a fetch once until the connector acknowledges it', () => {
    expect(types(decideUpdate(givenIdentity(), { cancel_fetch_required: true }))).toEqual([
      'FetchCancelled',
    ]);
  });

  it('merges changed params and carries no secret when no password was given', () => {
    const [event] = decideUpdate(givenIdentity(), { params: { mail_port: 143 } });
    expect(event).toEqual({
      type: 'RemoteIdentityUpdated',
      data: { params: { ...givenIdentity().params, mail_port: 143 }, secrets: {} },
    });
  });

  it('carries a new sealed password even when the params are unchanged', () => {
    const sealedPassword = { ...SEALED, ct: 'other' };
    expect(decideUpdate(givenIdentity(), { sealedPassword })).toEqual([
      {
        type: 'RemoteIdentityUpdated',
        data: { params: givenIdentity().params, secrets: { password: sealedPassword } },
      },
    ]);
  });

  it('puts new params before a connection request so that the connection uses them', () => {
    const events = decideUpdate(givenIdentity(), {
      connection_required: true,
      cancel_fetch_required: true,
      params: { login: 'bob' },
    });
    expect(types(events)).toEqual([
      'RemoteIdentityUpdated',
      'FetchCancelled',
      'ConnectionRequested',
    ]);
  });

  it('refuses params that the merged whole does not satisfy', () => {
    const change = { mail_port: 0 };
    expect(() => decideUpdate(givenIdentity(), { params: change })).toThrow(ApiError);
  });
});

describe('decideDelete', () => {
  it('deletes', () => {
    expect(types(decideDelete())).toEqual(['RemoteIdentityDeleted']);
  });
});
