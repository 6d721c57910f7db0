import { randomUUID } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvLoginKeyStore } from '../commands/kv-login-key-store.ts';
import { loginKey } from '../commands/login-key.ts';
import { LoginReservations } from '../commands/login-reservations.ts';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { EMAIL_PARAMS, problemOf, registration, representationOf } from '../testing/requests.ts';

const COLLECTION = '/v1/remote-identities';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

/** A user with the email sub-object that registrations name, and a register function. */
async function givenUser() {
  const user = `dup-${randomUUID()}`;
  await putContactEmail(harness, { as: user });
  return {
    user,
    register: (params: Record<string, unknown> = {}) =>
      harness.call('POST', COLLECTION, {
        as: user,
        json: registration({ params: { ...EMAIL_PARAMS, ...params } }),
      }),
  };
}

async function streamMessages(): Promise<number> {
  const info = await harness.jetstream.jsm.streams.info(harness.jetstream.topology.identityStream);
  return info.state.messages;
}

describe('one login per server and port for a user', () => {
  it('refuses the same login on the host in any case with 409, appending nothing', async () => {
    const { register } = await givenUser();
    expect((await register()).status).toBe(201);
    const before = await streamMessages();
    const again = await register({ incomming_mail_server: 'IMAP.Example.ORG', mail_port: 993 });
    expect(again.status).toBe(409);
    expect(await problemOf(again)).toMatchObject({ code: 'IDENTITY_DUPLICATE', status: 409 });
    expect(await streamMessages()).toBe(before);
  });

  it('accepts the login on another port, another login, and another user', async () => {
    const { register } = await givenUser();
    expect((await register()).status).toBe(201);
    expect((await register({ mail_port: '143' })).status).toBe(201);
    expect((await register({ login: 'Alice@example.org' })).status).toBe(201);
    const other = await givenUser();
    expect((await other.register()).status).toBe(201);
  });

  it('lets exactly one of two simultaneous registrations win', async () => {
    const { register } = await givenUser();
    const statuses = (await Promise.all([register(), register(), register()])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409, 409]);
  });

  it('frees the login when the identity is deleted', async () => {
    const { user, register } = await givenUser();
    const id = (await representationOf(await register())).remote_identity_id;
    const deleted = await harness.call('DELETE', `${COLLECTION}/${id}`, { as: user });
    expect(deleted.status).toBe(204);
    expect((await register()).status).toBe(201);
  });

  it('moves the reservation when a PATCH changes the server, and refuses a taken one', async () => {
    const { user, register } = await givenUser();
    const first = (await representationOf(await register())).remote_identity_id;
    const second = (await representationOf(await register({ mail_port: '143' })))
      .remote_identity_id;
    const onto = await harness.call('PATCH', `${COLLECTION}/${second}`, {
      as: user,
      json: { params: { mail_port: 993 } },
    });
    expect(onto.status).toBe(409);
    expect(await problemOf(onto)).toMatchObject({ code: 'IDENTITY_DUPLICATE' });

    const moved = await harness.call('PATCH', `${COLLECTION}/${first}`, {
      as: user,
      json: { params: { incomming_mail_server: 'mail.example.org' } },
    });
    expect(moved.status).toBe(200);
    // The old key is free for another identity, the new one is held.
    expect((await register()).status).toBe(201);
    expect((await register({ incomming_mail_server: 'MAIL.example.org' })).status).toBe(409);
  });
});

describe('a reservation left by a request that stopped before appending', () => {
  async function reservations(graceMs: number) {
    const kv = await new Kvm(harness.jetstream.js).open(
      harness.jetstream.topology.bucket('identity-logins'),
    );
    const store = kvLoginKeyStore(kv);
    return { store, logins: new LoginReservations({ store, log: harness.jetstream.log, graceMs }) };
  }

  it('is honoured during the grace period, for the request still appending', async () => {
    const { store, logins } = await reservations(60_000);
    const key = loginKey(`crash-${randomUUID()}`, { ...EMAIL_PARAMS, mail_port: 993 });
    expect(await store.create(key, randomUUID())).toBe(true);
    await expect(logins.claim(key, randomUUID())).rejects.toMatchObject({
      code: 'IDENTITY_DUPLICATE',
    });
  });

  it('is taken over once the grace period has passed and its identity has no events', async () => {
    const { store, logins } = await reservations(0);
    const key = loginKey(`crash-${randomUUID()}`, { ...EMAIL_PARAMS, mail_port: 993 });
    expect(await store.create(key, randomUUID())).toBe(true);
    const successor = randomUUID();
    await logins.claim(key, successor);
    expect((await store.get(key))?.holder).toBe(successor);
  });
});
