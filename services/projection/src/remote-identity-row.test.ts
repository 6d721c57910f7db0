import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { evolveRow, type RemoteIdentityRow } from './remote-identity-row.ts';
import {
  CREATED,
  IMAP_PARAMS,
  fetchCompleted,
  fetchStarted,
  identityEvents,
} from './test-events.ts';

function created(): { row: RemoteIdentityRow; events: ReturnType<typeof identityEvents> } {
  const events = identityEvents();
  const row = evolveRow(undefined, events.event('RemoteIdentityCreated', CREATED), 10);
  if (!row) throw new Error('creation made no row');
  return { row, events };
}

describe('evolveRow', () => {
  it('creates a row from the creation, with nothing requested, running or counted yet', () => {
    const events = identityEvents();
    const event = events.event('RemoteIdentityCreated', { ...CREATED, provider: 'gmail' });
    expect(evolveRow(undefined, event, 7)).toEqual({
      remote_identity_id: events.remoteIdentityId,
      user_id: events.userId,
      identity_type: 'email',
      identity_id: 'alice@example.org',
      provider: 'gmail',
      params: IMAP_PARAMS,
      connection_required: false,
      cancel_fetch_required: false,
      is_fetching: false,
      running_fetches: [],
      connected: false,
      last_connection: null,
      last_error: null,
      messages_fetched: 0,
      paused_since: null,
      created_at: new Date(event.occurred_at),
      updated_at: new Date(event.occurred_at),
      last_sequence: 7,
    });
  });

  it('keeps the first row when a live identity is created a second time', () => {
    const { row, events } = created();
    const again = events.event('RemoteIdentityCreated', { ...CREATED, identity_id: 'other' });
    expect(evolveRow(row, again, 11)).toBe(row);
  });

  it('changes nothing for an identity that has no row', () => {
    const events = identityEvents();
    expect(evolveRow(undefined, events.event('ConnectionRequested', {}), 3)).toBeUndefined();
    expect(evolveRow(undefined, events.event('FetchCompleted', fetchCompleted(4)), 4)).toBe(
      undefined,
    );
  });

  it('stamps every change with the event time and sequence', () => {
    const { row, events } = created();
    const requested = events.event('ConnectionRequested', {});
    const next = evolveRow(row, requested, 12);
    expect(next).toMatchObject({
      connection_required: true,
      updated_at: new Date(requested.occurred_at),
      last_sequence: 12,
      created_at: row.created_at,
    });
  });

  it('follows requests: params replaced, connection wanted and unwanted, fetch cancelled', () => {
    const { row, events } = created();
    const params = { ...IMAP_PARAMS, mail_port: 143 };
    let next = evolveRow(row, events.event('RemoteIdentityUpdated', { params, secrets: {} }), 11);
    expect(next?.params).toEqual(params);
    next = evolveRow(next, events.event('ConnectionRequested', {}), 12);
    next = evolveRow(next, events.event('FetchCancelled', {}), 13);
    expect(next).toMatchObject({ connection_required: true, cancel_fetch_required: true });
    next = evolveRow(next, events.event('DisconnectionRequested', {}), 14);
    expect(next).toMatchObject({ connection_required: false, cancel_fetch_required: false });
  });

  it('records a connection, then the failure that ends it, then a clean reconnection', () => {
    const { row, events } = created();
    const connected = events.event('Connected', {
      connector: 'imap-1',
      server: 'imap.example.org',
      port: 993,
    });
    let next = evolveRow(row, connected, 11);
    next = evolveRow(next, events.event('FetchStarted', fetchStarted()), 12);
    const failed = events.event('ConnectionFailed', {
      connector: 'imap-1',
      code: 'TIMEOUT',
      message: 'no answer in 30 s',
    });
    next = evolveRow(next, failed, 13);
    expect(next).toMatchObject({
      connected: false,
      is_fetching: false,
      last_connection: new Date(connected.occurred_at),
      last_error: { code: 'TIMEOUT', message: 'no answer in 30 s', at: failed.occurred_at },
    });
    const again = events.event('Connected', {
      connector: 'imap-1',
      server: 'imap.example.org',
      port: 993,
    });
    next = evolveRow(next, again, 14);
    expect(next).toMatchObject({
      connected: true,
      last_connection: new Date(again.occurred_at),
      last_error: null,
    });
    next = evolveRow(
      next,
      events.event('Disconnected', { connector: 'imap-1', reason: 'lost' }),
      15,
    );
    expect(next).toMatchObject({ connected: false, is_fetching: false });
  });

  it('stays fetching until every one of two overlapping fetches ended', () => {
    const { row, events } = created();
    const inbox = randomUUID();
    const archive = randomUUID();
    let next = evolveRow(row, events.event('FetchStarted', fetchStarted(inbox)), 11);
    next = evolveRow(next, events.event('FetchStarted', fetchStarted(archive)), 12);
    const progressed = (total: number) =>
      events.event('FetchProgressed', {
        fetch_id: archive,
        mailbox: 'Archive',
        total_fetched: total,
        last_uid: total,
      });
    next = evolveRow(next, progressed(30), 13);
    // The INBOX fetch counted 20 before the archive's report of 30 was appended.
    const inboxDone = { ...fetchCompleted(10, inbox), total_fetched: 20 };
    next = evolveRow(next, events.event('FetchCompleted', inboxDone), 14);
    expect(next).toMatchObject({ is_fetching: true, messages_fetched: 30 });
    next = evolveRow(next, events.event('FetchCompleted', fetchCompleted(30, archive)), 15);
    expect(next).toMatchObject({ is_fetching: false, running_fetches: [] });
  });

  it('records a pause, keeps it through a cancel, and clears it on each way out of it', () => {
    const { row, events } = created();
    const pause = (): RemoteIdentityRow | undefined => {
      const paused = events.event('ConnectionPaused', {
        connector: 'imap',
        failing_since: '2025-02-26T08:00:00.000Z',
        code: 'CONNECTION_REFUSED',
        message: 'connect ECONNREFUSED',
        user_action: 'check_settings',
      });
      const next = evolveRow(row, paused, 11);
      expect(next?.paused_since).toEqual(new Date(paused.occurred_at));
      return next;
    };
    expect(evolveRow(pause(), events.event('FetchCancelled', {}), 12)?.paused_since).not.toBe(null);
    const ways = [
      events.event('ConnectionRequested', {}),
      events.event('RemoteIdentityUpdated', { params: IMAP_PARAMS, secrets: {} }),
      events.event('DisconnectionRequested', {}),
      events.event('Connected', { connector: 'imap', server: 'imap.example.org', port: 993 }),
    ];
    for (const way of ways) {
      expect(evolveRow(pause(), way, 12)?.paused_since, way.type).toBeNull();
    }
  });

  it('counts the messages of completed, failed and cancelled fetches', () => {
    const { row, events } = created();
    let next = evolveRow(row, events.event('FetchStarted', fetchStarted()), 11);
    expect(next?.is_fetching).toBe(true);
    next = evolveRow(next, events.event('FetchCompleted', fetchCompleted(5)), 12);
    expect(next).toMatchObject({ is_fetching: false, messages_fetched: 5 });
    next = evolveRow(next, events.event('FetchStarted', fetchStarted()), 13);
    const failed = events.event('FetchFailed', {
      fetch_id: fetchStarted().fetch_id,
      mailbox: 'INBOX',
      fetched: 2,
      code: 'SERVER_ERROR',
      message: 'BYE',
    });
    next = evolveRow(next, failed, 14);
    expect(next).toMatchObject({
      is_fetching: false,
      messages_fetched: 7,
      last_error: { code: 'SERVER_ERROR', message: 'BYE', at: failed.occurred_at },
    });
    next = evolveRow(next, events.event('FetchStarted', fetchStarted()), 15);
    next = evolveRow(next, events.event('FetchCancelled', {}), 16);
    const acknowledged = events.event('FetchCancelAcknowledged', {
      fetch_id: null,
      mailbox: null,
      fetched: 1,
    });
    next = evolveRow(next, acknowledged, 17);
    expect(next).toMatchObject({
      is_fetching: false,
      cancel_fetch_required: false,
      messages_fetched: 8,
    });
  });

  it('removes the row when the identity is deleted, and ignores what comes after', () => {
    const { row, events } = created();
    expect(evolveRow(row, events.event('RemoteIdentityDeleted', {}), 11)).toBeUndefined();
    expect(
      evolveRow(
        undefined,
        events.event('Disconnected', {
          connector: 'imap-1',
          reason: 'deleted',
        }),
        12,
      ),
    ).toBeUndefined();
  });

  it('leaves the row it was given untouched', () => {
    const { row, events } = created();
    const copy = structuredClone(row);
    evolveRow(row, events.event('FetchCompleted', fetchCompleted(3)), 11);
    expect(row).toEqual(copy);
  });

  it('takes the new provider of a RemoteIdentityProviderChanged', () => {
    const { row, events } = created();
    const changed = evolveRow(
      row,
      events.event('RemoteIdentityProviderChanged', { provider: 'gmail' }),
      11,
    );
    expect(changed).toMatchObject({ provider: 'gmail', last_sequence: 11 });
  });
});
