import { randomUUID } from 'node:crypto';
import type { JetStreamContext } from '@ri/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownContactId } from '../contacts/contact-id.ts';
import { changeContact } from '../contacts/contact-log.ts';
import { decideSetSubObject } from '../contacts/decide-contact.ts';
import { ApiError } from '../problems/api-error.ts';
import {
  closeTestJetStream,
  openTestJetStream,
  openTestKeyring,
} from '../testing/test-jetstream.ts';
import { changeIdentity, toEvent, type EventMetadata } from './change-identity.ts';
import { createIdentity } from './create-identity.ts';
import { decideUpdate, type PendingEvent } from './decide-update.ts';
import type { IdentityLog } from './identity-log.ts';
import { openLoginKeyStore } from './kv-login-key-store.ts';
import { LoginReservations } from './login-reservations.ts';

let jetstream: JetStreamContext;
let logins: LoginReservations;
beforeAll(async () => {
  jetstream = await openTestJetStream();
  const store = await openLoginKeyStore(jetstream.js, { topology: jetstream.topology });
  logins = new LoginReservations({ store, log: jetstream.log });
  // Identities are created on a sub-object of the caller's contact, which must exist first.
  await changeContact({
    log: jetstream.log,
    contactId: ownContactId(metadata.userId),
    decide: (state) =>
      decideSetSubObject(state, 'email', 'alice@example.org', {
        address: 'alice@example.org',
        is_primary: true,
        label: null,
        type: null,
        provider: null,
      }),
    ...metadata,
  });
});
afterAll(() => jetstream && closeTestJetStream(jetstream));

const metadata: EventMetadata = {
  userId: 'alice',
  correlationId: '7e0a4b52-3c1d-4f6e-9a8b-1c2d3e4f5a6b',
  now: () => new Date(),
};

async function givenIdentity(): Promise<string> {
  const result = await createIdentity({
    log: jetstream.log,
    secrets: await openTestKeyring(jetstream),
    logins,
    command: {
      identity_type: 'email',
      identity_id: 'alice@example.org',
      params: {
        // A login of its own, since each test registers one more identity for alice.
        login: `alice-${randomUUID()}`,
        mail_protocol: 'IMAP',
        incomming_mail_server: 'imap.example.org',
        mail_port: 993,
        fetch_method: 'from_now',
      },
      password: 'secret',
      connection_required: false,
    },
    ...metadata,
  });
  return result.state.remote_identity_id;
}

const CONNECTED: PendingEvent = {
  type: 'Connected',
  data: { connector: 'test', server: 'imap.example.org', port: 993 },
};

/**
 * The real event log, with `overtaking` (by default a connector's fact, appended without any
 * expectation) landing just before the API's append on the first `times` appends: the
 * interleaving that concurrent writers produce, made certain.
 */
function logOvertakenBy(id: string, times: number, overtaking = CONNECTED): IdentityLog {
  let overtaken = 0;
  return {
    read: (remoteIdentityId) => jetstream.log.read(remoteIdentityId),
    readAfter: (remoteIdentityId, sequence) => jetstream.log.readAfter(remoteIdentityId, sequence),
    readContact: (contactId) => jetstream.log.readContact(contactId),
    appendContact: (event, options) => jetstream.log.appendContact(event, options),
    async append(event, options) {
      if (overtaken < times) {
        overtaken += 1;
        await jetstream.log.append(toEvent(overtaking, id, metadata));
      }
      return jetstream.log.append(event, options);
    },
  };
}

async function eventTypes(id: string): Promise<string[]> {
  return (await jetstream.log.read(id)).map((stored) => stored.event.type);
}

describe('changeIdentity', () => {
  it('appends on top of a fact that overtook it, without deciding again', async () => {
    const id = await givenIdentity();
    let decisions = 0;
    const result = await changeIdentity({
      log: logOvertakenBy(id, 1),
      remoteIdentityId: id,
      decide: (state) => {
        decisions += 1;
        return decideUpdate(state, { connection_required: true });
      },
      ...metadata,
    });
    // A fact leaves the state as it was, so the first decision still holds.
    expect(decisions).toBe(1);
    expect(result.appended.map((e) => e.type)).toEqual(['ConnectionRequested']);
    expect(await eventTypes(id)).toEqual([
      'RemoteIdentityCreated',
      'Connected',
      'ConnectionRequested',
    ]);
    expect(result.sequence).toBe((await jetstream.log.read(id)).at(-1)?.sequence);
    expect(result.history.map((stored) => stored.event.type)).toEqual(await eventTypes(id));
  });

  it('decides again on a user event that overtook it, and repeats nothing', async () => {
    const id = await givenIdentity();
    const decidedOn: boolean[] = [];
    const result = await changeIdentity({
      log: logOvertakenBy(id, 1, { type: 'FetchCancelled', data: {} }),
      remoteIdentityId: id,
      decide: (state) => {
        decidedOn.push(state.cancel_fetch_required);
        return decideUpdate(state, { cancel_fetch_required: true, connection_required: true });
      },
      ...metadata,
    });
    expect(decidedOn).toEqual([false, true]);
    expect(result.appended.map((e) => e.type)).toEqual(['ConnectionRequested']);
    expect(await eventTypes(id)).toEqual([
      'RemoteIdentityCreated',
      'FetchCancelled',
      'ConnectionRequested',
    ]);
  });

  it('answers VERSION_CONFLICT without appending when If-Match names another version', async () => {
    const id = await givenIdentity();
    const failure = await changeIdentity({
      log: logOvertakenBy(id, 1),
      remoteIdentityId: id,
      decide: (state) => decideUpdate(state, { connection_required: true }),
      precondition: { matches: () => false },
      ...metadata,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe('VERSION_CONFLICT');
    expect(await eventTypes(id)).toEqual(['RemoteIdentityCreated']);
  });

  it('refuses after a conflict when the If-Match version was overtaken', async () => {
    const id = await givenIdentity();
    const [created] = await jetstream.log.read(id);
    const failure = await changeIdentity({
      log: logOvertakenBy(id, 1),
      remoteIdentityId: id,
      decide: (state) => decideUpdate(state, { connection_required: true }),
      precondition: { matches: (sequence) => sequence === created?.sequence },
      ...metadata,
    }).catch((err: unknown) => err);
    expect((failure as ApiError).code).toBe('VERSION_CONFLICT');
    expect(await eventTypes(id)).toEqual(['RemoteIdentityCreated', 'Connected']);
  });

  it('gives up with CONCURRENT_UPDATE when the identity keeps moving', async () => {
    const id = await givenIdentity();
    let decisions = 0;
    const failure = await changeIdentity({
      log: logOvertakenBy(id, Infinity),
      remoteIdentityId: id,
      decide: (state) => {
        decisions += 1;
        return decideUpdate(state, { connection_required: true });
      },
      maxAttempts: 3,
      ...metadata,
    }).catch((err: unknown) => err);
    expect((failure as ApiError).code).toBe('CONCURRENT_UPDATE');
    expect(decisions).toBe(1);
    expect(await eventTypes(id)).not.toContain('ConnectionRequested');
  });

  it('answers IDENTITY_NOT_FOUND for another user and for a deleted identity', async () => {
    const id = await givenIdentity();
    const change = (userId: string) =>
      changeIdentity({
        log: jetstream.log,
        remoteIdentityId: id,
        decide: () => [{ type: 'RemoteIdentityDeleted', data: {} }],
        ...metadata,
        userId,
      }).catch((err: unknown) => (err as ApiError).code);
    expect(await change('mallory')).toBe('IDENTITY_NOT_FOUND');
    await change('alice');
    expect(await change('alice')).toBe('IDENTITY_NOT_FOUND');
  });
});
