import { describe, expect, it } from 'vitest';
import { parseEvent, type EventData, type EventType, type RemoteIdentityEvent } from './catalog.ts';
import { pauseInForce } from './connection-pause.ts';
import { newEvent } from './new-event.ts';

let clock = Date.parse('2026-12-03T10:00:00.000Z');

function event<T extends EventType>(type: T, data: EventData<T>): RemoteIdentityEvent {
  clock += 1000;
  return newEvent(type, data, {
    remote_identity_id: '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10',
    user_id: 'user-1',
    correlation_id: '0d1f7a53-1b34-4a55-8f5a-7a6c1e2b3c4d',
    causation_id: null,
    occurred_at: new Date(clock).toISOString(),
  });
}

const PAUSED: EventData<'ConnectionPaused'> = {
  connector: 'imap',
  failing_since: '2026-12-01T10:00:00.000Z',
  code: 'CONNECTION_REFUSED',
  message: 'connect ECONNREFUSED 127.0.0.1:1143',
  user_action: 'check_settings',
};

const failed = () =>
  event('ConnectionFailed', { connector: 'imap', code: 'TIMEOUT', message: 'slow' });

describe('ConnectionPaused', () => {
  it('survives a trip through JSON and refuses a pause without its streak start', () => {
    const paused = event('ConnectionPaused', PAUSED);
    expect(parseEvent(JSON.parse(JSON.stringify(paused)))).toEqual(paused);
    const partial: Partial<typeof PAUSED> = { ...PAUSED };
    delete partial.failing_since;
    expect(() => parseEvent({ ...paused, data: partial })).toThrow(/invalid ConnectionPaused/);
  });
});

describe('pauseInForce', () => {
  it('answers the last pause while nothing has ended it', () => {
    const paused = event('ConnectionPaused', PAUSED);
    expect(pauseInForce([failed(), paused])).toBe(paused);
    expect(pauseInForce([failed(), paused, failed()])).toBe(paused);
    expect(pauseInForce([failed(), failed()])).toBeUndefined();
  });

  it('is ended by new params, a connection request, a disconnection or a connection', () => {
    const enders = [
      event('RemoteIdentityUpdated', {
        params: {
          login: 'alice',
          mail_protocol: 'IMAP',
          incomming_mail_server: 'imap.example.org',
          mail_port: 993,
          fetch_method: 'from_now',
        },
        secrets: {},
      }),
      event('ConnectionRequested', {}),
      event('DisconnectionRequested', {}),
      event('RemoteIdentityDeleted', {}),
      event('Connected', { connector: 'imap', server: 'imap.example.org', port: 993 }),
    ];
    for (const ender of enders) {
      expect(pauseInForce([event('ConnectionPaused', PAUSED), ender]), ender.type).toBeUndefined();
    }
  });

  it('is not ended by a cancelled fetch or a disconnection the connector reports', () => {
    const paused = event('ConnectionPaused', PAUSED);
    const after = [
      event('FetchCancelled', {}),
      event('Disconnected', { connector: 'imap', reason: 'lost' }),
    ];
    expect(pauseInForce([paused, ...after])).toBe(paused);
  });
});
