import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@ri/event-store';
import { foldIdentity, newEvent, type EventData, type EventType } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { INITIAL_FACTS, representRow, representState } from './remote-identity.ts';
import { remoteIdentitySchema } from './representation-schemas.ts';

const ID = '4b6f4c8e-8d2a-4c53-9a51-2f3b1e0c9d10';
const PARAMS = {
  login: 'alice',
  mail_protocol: 'IMAP' as const,
  incomming_mail_server: 'imap.example.org',
  mail_port: 993,
  fetch_method: 'from_now' as const,
};

function historyOf(...steps: { type: EventType; data: unknown }[]): StoredEvent[] {
  return steps.map((step, index) => ({
    sequence: index + 1,
    event: newEvent(step.type, step.data as EventData<typeof step.type>, {
      remote_identity_id: ID,
      user_id: 'alice',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date(Date.UTC(2026, 11, 3, 10, index)).toISOString(),
    }),
  }));
}

const CREATED = {
  type: 'RemoteIdentityCreated' as const,
  data: { identity_type: 'email', identity_id: 'e1', provider: null, params: PARAMS, secrets: {} },
};
const PAUSED = {
  type: 'ConnectionPaused' as const,
  data: {
    connector: 'imap',
    failing_since: '2026-11-30T10:00:00.000Z',
    code: 'CONNECTION_REFUSED',
    message: 'connect ECONNREFUSED',
    user_action: 'check_settings',
  },
};
const REQUESTED = { type: 'ConnectionRequested' as const, data: {} };

function represent(history: StoredEvent[]) {
  const state = foldIdentity(history.map((s) => s.event));
  if (!state) throw new Error('no state');
  return remoteIdentitySchema.parse(representState(state, history, INITIAL_FACTS));
}

describe('representState', () => {
  it('shows a pause from the log, ahead of the read model', () => {
    const history = historyOf(CREATED, REQUESTED, PAUSED);
    expect(represent(history).paused_since).toBe(history[2]!.event.occurred_at);
  });

  it('shows no pause once the request just appended ended it', () => {
    expect(represent(historyOf(CREATED, REQUESTED, PAUSED, REQUESTED)).paused_since).toBeNull();
    expect(represent(historyOf(CREATED, REQUESTED)).paused_since).toBeNull();
  });
});

describe('representRow', () => {
  it('serves the pause of the row as an ISO instant', () => {
    const row = {
      remote_identity_id: ID,
      user_id: 'alice',
      identity_type: 'email',
      identity_id: 'e1',
      provider: null,
      params: PARAMS,
      connection_required: true,
      cancel_fetch_required: false,
      is_fetching: false,
      connected: false,
      last_connection: null,
      last_error: null,
      messages_fetched: 0,
      created_at: new Date('2026-12-01T00:00:00Z'),
      updated_at: new Date('2026-12-03T00:00:00Z'),
      last_sequence: 9,
    };
    const paused = representRow({ ...row, paused_since: new Date('2026-12-03T00:00:00Z') });
    expect(remoteIdentitySchema.parse(paused).paused_since).toBe('2026-12-03T00:00:00.000Z');
    expect(representRow({ ...row, paused_since: null }).paused_since).toBeNull();
  });
});
