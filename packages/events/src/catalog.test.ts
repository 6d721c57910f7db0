import { describe, expect, it } from 'vitest';
import { parseEvent } from './catalog.ts';
import { foldIdentity } from './identity-state.ts';
import { newEvent, type EventContext } from './new-event.ts';
import { topology } from './subjects.ts';

const context: EventContext = {
  remote_identity_id: '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10',
  user_id: 'user-1',
  correlation_id: '0d1f7a53-1b34-4a55-8f5a-7a6c1e2b3c4d',
  causation_id: null,
  occurred_at: '2026-12-03T10:00:00.000Z',
};

const params = {
  login: 'alice',
  mail_protocol: 'IMAP' as const,
  incomming_mail_server: 'imap.example.org',
  mail_port: 993,
  fetch_method: 'from_now' as const,
};

const sealed = { alg: 'A256GCM' as const, kid: 'k', iv: 'aXY', tag: 'dGFn', ct: 'Y3Q' };

describe('parseEvent', () => {
  it('accepts an envelope that newEvent built and keeps its data', () => {
    const event = newEvent(
      'ConnectionFailed',
      { connector: 'imap', code: 'TIMEOUT', message: 'slow' },
      context,
    );
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses an unknown type, a newer version and data that breaks its schema', () => {
    const event = newEvent('ConnectionRequested', {}, context);
    expect(() => parseEvent({ ...event, type: 'Mystery' })).toThrow(/unknown event type/);
    expect(() => parseEvent({ ...event, version: 2 })).toThrow(/newer than this reader/);
    expect(() => parseEvent({ ...event, data: { surprise: true } })).toThrow(/invalid/);
  });
});

describe('foldIdentity', () => {
  it('keeps the last sealed password when an update carries none', () => {
    const state = foldIdentity([
      newEvent(
        'RemoteIdentityCreated',
        {
          identity_type: 'email',
          identity_id: 'e1',
          provider: null,
          params,
          secrets: { password: sealed },
        },
        context,
      ),
      newEvent(
        'RemoteIdentityUpdated',
        { params: { ...params, mail_port: 143 }, secrets: {} },
        context,
      ),
      newEvent('ConnectionRequested', {}, context),
      newEvent('FetchCancelled', {}, context),
    ]);
    expect(state?.secrets.password).toEqual(sealed);
    expect(state?.params.mail_port).toBe(143);
    expect(state?.connection_required).toBe(true);
    expect(state?.cancel_fetch_required).toBe(true);
  });

  it('knows nothing of an identity whose creation it never saw', () => {
    expect(foldIdentity([newEvent('ConnectionRequested', {}, context)])).toBeUndefined();
  });
});

describe('topology', () => {
  it('prefixes streams, subjects and buckets with the namespace', () => {
    const t = topology('staging-1');
    expect(t.identityStream).toBe('STAGING_1_REMOTE_IDENTITIES');
    expect(t.identitySubject('x')).toBe('staging-1.ri.identity.x');
    expect(t.bucket('connector-imap-sessions')).toBe('staging-1-connector-imap-sessions');
    expect(topology().identitySubject('x')).toBe('ri.identity.x');
  });

  it('rejects a namespace that would break subjects', () => {
    expect(() => topology('a.b')).toThrow(/namespace/);
    expect(() => topology('Upper')).toThrow(/namespace/);
  });
});
