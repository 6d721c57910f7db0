import { randomUUID } from 'node:crypto';
import { newEvent, type EventData, type EventOf, type EventType } from '@ri/events';

/** Test support: builds one identity's events with a clock that moves a second per event. */
export interface IdentityEvents {
  remoteIdentityId: string;
  userId: string;
  event<T extends EventType>(type: T, data: EventData<T>): EventOf<T>;
}

export function identityEvents(
  remoteIdentityId: string = randomUUID(),
  userId = `user-${randomUUID()}`,
): IdentityEvents {
  let clock = Date.parse('2025-03-01T08:00:00.000Z');
  return {
    remoteIdentityId,
    userId,
    event(type, data) {
      clock += 1000;
      return newEvent(type, data, {
        remote_identity_id: remoteIdentityId,
        user_id: userId,
        correlation_id: randomUUID(),
        causation_id: null,
        occurred_at: new Date(clock).toISOString(),
      });
    },
  };
}

export const IMAP_PARAMS = {
  login: 'alice@example.org',
  mail_protocol: 'IMAP',
  incomming_mail_server: 'imap.example.org',
  mail_port: 993,
  fetch_method: 'from_beginning',
} as const;

export const CREATED: EventData<'RemoteIdentityCreated'> = {
  identity_type: 'email',
  identity_id: 'alice@example.org',
  provider: null,
  params: IMAP_PARAMS,
  secrets: {},
};

/** The fetch id of test fetches unless one is given: a start and an end then pair up. */
export const FETCH_ID = '00000000-0000-4000-8000-00000000f37c';

export function fetchStarted(fetchId = FETCH_ID): EventData<'FetchStarted'> {
  return { fetch_id: fetchId, mailbox: 'INBOX', fetch_method: 'from_beginning' };
}

export function fetchCompleted(fetched: number, fetchId = FETCH_ID): EventData<'FetchCompleted'> {
  return {
    fetch_id: fetchId,
    mailbox: 'INBOX',
    fetched,
    bytes: fetched * 1000,
    duration_ms: 5,
    uid_validity: '1',
    last_uid: fetched,
  };
}
