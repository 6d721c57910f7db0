import { randomUUID } from 'node:crypto';
import { newEvent, type EventData, type EventType, type RemoteIdentityEvent } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { decidePause, failureStreak } from './pause-policy.ts';

const HOUR = 3600_000;
const START = Date.parse('2026-12-01T00:00:00.000Z');
const PAUSE_AFTER = 72 * HOUR;

/** One identity's history, each event at the hour it is given, counted from START. */
function history() {
  const events: RemoteIdentityEvent[] = [];
  const at = <T extends EventType>(hour: number, type: T, data: EventData<T>) => {
    events.push(
      newEvent(type, data, {
        remote_identity_id: '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10',
        user_id: 'user-1',
        correlation_id: randomUUID(),
        causation_id: null,
        occurred_at: new Date(START + hour * HOUR).toISOString(),
      }),
    );
    return builder;
  };
  const builder = {
    events,
    failed: (hour: number, code: 'CONNECTION_REFUSED' | 'TIMEOUT' = 'CONNECTION_REFUSED') =>
      at(hour, 'ConnectionFailed', {
        connector: 'imap',
        code,
        message: `${code} at ${hour} h`,
        user_action: 'none',
      }),
    connected: (hour: number) =>
      at(hour, 'Connected', { connector: 'imap', server: 'imap.example.org', port: 993 }),
    requested: (hour: number) => at(hour, 'ConnectionRequested', {}),
    at,
  };
  return builder;
}

const decideAt = (events: RemoteIdentityEvent[], hour: number) =>
  decidePause(events, { now: new Date(START + hour * HOUR), pauseAfterMs: PAUSE_AFTER });

describe('decidePause', () => {
  it('waits while the streak is shorter than the threshold, then pauses', () => {
    const { events } = history().requested(0).failed(1).failed(30).failed(72.5);
    expect(decideAt(events, 72.5)).toBeUndefined();
    expect(decideAt(events, 73)).toEqual({
      connector: 'imap',
      failing_since: new Date(START + HOUR).toISOString(),
      code: 'CONNECTION_REFUSED',
      message: 'CONNECTION_REFUSED at 72.5 h',
      user_action: 'check_settings',
    });
  });

  it('counts from the first failure after the last connection', () => {
    const { events } = history().failed(1).connected(10).failed(20).failed(80);
    expect(decideAt(events, 80)).toBeUndefined();
    expect(decideAt(events, 92)?.failing_since).toBe(new Date(START + 20 * HOUR).toISOString());
  });

  it('keeps counting through connection requests, so that asking again does not defer it', () => {
    const { events } = history().failed(0).requested(50).failed(50).requested(71).failed(72);
    expect(decideAt(events, 72)?.failing_since).toBe(new Date(START).toISOString());
  });

  it('leaves a request made since the last failure to its own try', () => {
    const pending = history().failed(0).failed(80).requested(80.1);
    expect(decideAt(pending.events, 80.2)).toBeUndefined();
    expect(decideAt(pending.failed(80.3).events, 80.3)?.failing_since).toBe(
      new Date(START).toISOString(),
    );
  });

  it('starts afresh after new params, a disconnection and a pause', () => {
    const params = {
      login: 'alice',
      mail_protocol: 'IMAP' as const,
      incomming_mail_server: 'imap.example.org',
      mail_port: 143,
      fetch_method: 'from_now' as const,
    };
    const updated = history().failed(0).at(60, 'RemoteIdentityUpdated', { params, secrets: {} });
    expect(decideAt(updated.failed(61).events, 100)).toBeUndefined();
    const disconnected = history().failed(0).at(60, 'DisconnectionRequested', {});
    expect(decideAt(disconnected.requested(90).failed(90).events, 100)).toBeUndefined();
    const paused = history().failed(0);
    const pause = decideAt(paused.events, 80);
    paused.at(80, 'ConnectionPaused', pause!).requested(90).failed(90);
    expect(decideAt(paused.events, 100)).toBeUndefined();
    expect(decideAt(paused.events, 162)?.failing_since).toBe(
      new Date(START + 90 * HOUR).toISOString(),
    );
  });

  it('never pauses twice, nor an identity that has not failed', () => {
    const once = history().failed(0);
    once.at(80, 'ConnectionPaused', decideAt(once.events, 80)!);
    expect(decideAt(once.events, 200)).toBeUndefined();
    expect(decideAt(history().requested(0).connected(1).events, 500)).toBeUndefined();
    expect(decideAt([], 500)).toBeUndefined();
  });

  it("keeps the last failure's own advice when it has some", () => {
    const { events } = history().failed(0).at(80, 'ConnectionFailed', {
      connector: 'pop3',
      code: 'AUTH_FAILED',
      message: 'bad password',
      user_action: 'relogin',
    });
    expect(decideAt(events, 80)).toMatchObject({
      connector: 'pop3',
      code: 'AUTH_FAILED',
      user_action: 'relogin',
    });
  });
});

describe('failureStreak', () => {
  it('answers the first and the last failure of the running streak', () => {
    const { events } = history().failed(0).connected(1).failed(2, 'TIMEOUT').failed(3);
    const streak = failureStreak(events);
    expect(streak?.first.data.message).toBe('TIMEOUT at 2 h');
    expect(streak?.last.data.message).toBe('CONNECTION_REFUSED at 3 h');
  });
});
