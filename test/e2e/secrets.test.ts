import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EventLog } from '@ri/event-store';
import { newEvent, type SealedSecret } from '@ri/events';
import { silentLogger } from '@ri/logging';
import { startProjection } from '@ri/projection';
import { createTestDatabase } from '@ri/read-model/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import {
  createEmailSubObject,
  startTestSystem,
  waitFor,
  type TestSystem,
} from '../support/system.ts';

const USER = 'user-secrets';
const OTHER_USER = 'user-secrets-other';
// Distinct per run, so that nothing left by another run can be mistaken for a leak.
const CREATED_MARKER = `marker-created-${randomBytes(8).toString('hex')}`;
const PATCHED_MARKER = `marker-patched-${randomBytes(8).toString('hex')}`;
const MARKERS = [CREATED_MARKER, PATCHED_MARKER];

let dovecot: DovecotServer;
let system: TestSystem;

beforeAll(async () => {
  dovecot = await startDovecot();
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

function params(overrides: Record<string, unknown> = {}) {
  return {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: dovecot.host,
    mail_port: dovecot.imapPort,
    fetch_method: 'from_now',
    ...overrides,
  };
}

async function register(overrides: Record<string, unknown>, user = USER): Promise<string> {
  const created = await system.call(user, 'POST', '/v1/remote-identities', {
    identity_type: 'email',
    identity_id: await createEmailSubObject(system, user),
    params: params(overrides),
    connection_required: true,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.remote_identity_id as string;
}

async function connectionFailures(id: string): Promise<string[]> {
  const events = await system.events(id);
  return events.flatMap((e) => (e.type === 'ConnectionFailed' ? [e.data.code] : []));
}

/** Every message of every stream of the test namespace, KV and object stores included. */
async function namespaceMessages(): Promise<{ stream: string; text: string }[]> {
  const jsm = await jetstreamManager(system.nc);
  const { namespace } = system.topology;
  const out: { stream: string; text: string }[] = [];
  for await (const info of jsm.streams.list()) {
    const name = info.config.name;
    if (!name.startsWith(`${namespace.toUpperCase()}_`) && !name.includes(`_${namespace}-`)) {
      continue;
    }
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (!msg) continue;
      const headers = msg.header ? [...msg.header].map(([k, v]) => `${k}: ${v}`).join('\n') : '';
      const body = Buffer.from(msg.data).toString('latin1');
      out.push({ stream: name, text: `${msg.subject}\n${headers}\n${body}` });
    }
  }
  return out;
}

/** Every row of every table of the test database, as PostgreSQL prints a row. */
async function databaseRows(): Promise<{ table: string; text: string }[]> {
  const client = new pg.Client({ connectionString: system.database.url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE'
         AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const rows: { table: string; text: string }[] = [];
    for (const { schema, name } of tables.rows) {
      const table = `"${schema}"."${name}"`;
      const result = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
      for (const { row } of result.rows) rows.push({ table, text: row });
    }
    return rows;
  } finally {
    await client.end();
  }
}

describe('a password through the whole system', () => {
  it('leaves no trace of it anywhere, and opens no more after DELETE', async () => {
    // 1. A wrong password (the first marker): the connector logs in and fails.
    const doomed = await register({ password: CREATED_MARKER });
    // Another user's, since one user cannot register the same login twice.
    const survivor = await register({}, OTHER_USER);
    await waitFor(
      () => connectionFailures(doomed),
      (codes) => codes.includes('AUTH_FAILED'),
      { what: 'the first login refused' },
    );

    // 2. Another wrong password (the second marker): the connector tries again with it.
    const patched = await system.call(USER, 'PATCH', `/v1/remote-identities/${doomed}`, {
      params: { password: PATCHED_MARKER },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitFor(
      () => connectionFailures(doomed),
      (codes) => codes.filter((c) => c === 'AUTH_FAILED').length >= 2,
      { what: 'the second login refused' },
    );
    await waitFor(
      () => system.call(OTHER_USER, 'GET', `/v1/remote-identities/${survivor}`),
      (a) => a.body?.connected === true,
      { what: 'the survivor connected' },
    );

    // 3. DELETE shreds the identity's data key.
    const history = await system.events(doomed);
    const sealed = history.flatMap((e) =>
      e.type === 'RemoteIdentityCreated' || e.type === 'RemoteIdentityUpdated'
        ? e.data.secrets.password
          ? [e.data.secrets.password]
          : []
        : [],
    );
    expect(sealed).toHaveLength(2);
    expect(await system.keyring.openFor(doomed, sealed[0]!, 'password')).toBe(CREATED_MARKER);
    const deleted = await system.call(USER, 'DELETE', `/v1/remote-identities/${doomed}`);
    expect(deleted.status).toBe(204);
    for (const value of sealed) {
      await expect(system.keyring.openFor(doomed, value, 'password')).rejects.toMatchObject({
        code: 'SECRET_UNAVAILABLE',
      });
    }

    // 4. No marker in any stream, any table, or any log line.
    const messages = await namespaceMessages();
    expect(messages.some((m) => m.stream.includes('identity-keys'))).toBe(true);
    expect(messages.some((m) => m.text.includes(doomed))).toBe(true);
    const rows = await databaseRows();
    expect(rows.length).toBeGreaterThan(0);
    for (const marker of MARKERS) {
      expect(messages.filter((m) => m.text.includes(marker)).map((m) => m.stream)).toEqual([]);
      expect(rows.filter((r) => r.text.includes(marker)).map((r) => r.table)).toEqual([]);
      expect(system.logs()).not.toContain(marker);
    }

    // 5. The log still replays from scratch without any secret: a fresh read model sees the
    // survivor and not the deleted identity.
    const fresh = await createTestDatabase();
    const projection = await startProjection({
      js: jetstream(system.nc),
      db: fresh.db,
      topology: system.topology,
      logger: silentLogger(),
    });
    try {
      const ids = await waitFor(
        async () =>
          (await fresh.db.selectFrom('remote_identities').select('remote_identity_id').execute())
            .map((r) => r.remote_identity_id)
            .sort(),
        (found) => found.includes(survivor),
        { what: 'the rebuilt read model' },
      );
      expect(ids).toEqual([survivor]);
    } finally {
      await projection.stop();
      await fresh.drop();
    }
  });

  it('refuses at write time a mail server on a private address', async () => {
    for (const server of ['10.0.0.1', '169.254.169.254', '::1', '100.64.0.1']) {
      const refused = await system.call(USER, 'POST', '/v1/remote-identities', {
        identity_type: 'email',
        identity_id: await createEmailSubObject(system, USER),
        params: params({ incomming_mail_server: server }),
      });
      expect({ server, status: refused.status, code: refused.body?.code }).toEqual({
        server,
        status: 422,
        code: 'DESTINATION_NOT_ALLOWED',
      });
    }
  });

  it('refuses at connect time a private server that is in the log already', async () => {
    // As an event stored before write-time checks existed: the connector is the last line.
    const js = jetstream(system.nc);
    const log = new EventLog(js, await jetstreamManager(system.nc), system.topology);
    const id = randomUUID();
    const context = {
      remote_identity_id: id,
      user_id: USER,
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date().toISOString(),
    };
    const password: SealedSecret = await system.keyring.sealFor(id, 'x', 'password');
    await log.append(
      newEvent(
        'RemoteIdentityCreated',
        {
          identity_type: 'email',
          identity_id: 'legacy',
          provider: null,
          params: {
            login: dovecot.user,
            mail_protocol: 'IMAP',
            incomming_mail_server: '169.254.169.254',
            mail_port: dovecot.imapPort,
            fetch_method: 'from_now',
          },
          secrets: { password },
        },
        context,
      ),
    );
    await log.append(newEvent('ConnectionRequested', {}, context));
    const codes = await waitFor(
      () => connectionFailures(id),
      (found) => found.length > 0,
      { what: 'the connection refused' },
    );
    expect(codes).toEqual(['DESTINATION_NOT_ALLOWED']);
  });
});
