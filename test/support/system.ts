import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { startSystem, type RunningSystem, type SystemOptions } from '@ri/all-in-one';
import { connectNats, EventLog } from '@ri/event-store';
import { MAIL_HEADERS, topology, type RemoteIdentityEvent, type Topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import {
  generateMasterKey,
  openIdentityKeyring,
  secretBoxFromConfig,
  type IdentityKeyring,
} from '@ri/secrets';
import { createTestDatabase, type TestDatabase } from '@ri/read-model/testing';

export interface TestSystem extends RunningSystem {
  nc: NatsConnection;
  topology: Topology;
  database: TestDatabase;
  /** A keyring over the system's data key bucket, with the system's master key. */
  keyring: IdentityKeyring;
  /** Every line the services logged, to search for what must never be logged. */
  logs(): string;
  /** The identity's history, straight from the log. */
  events(identityId: string): Promise<RemoteIdentityEvent[]>;
  /** Calls the API as `userId`; answers the status and the parsed body. */
  call(userId: string, method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /**
   * Stops every service and starts them again on the same namespace, database and keys, as a
   * redeploy would; the API then listens on another port, which `call` follows.
   */
  restart(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface PublishedMail {
  uid: number;
  mailbox: string;
  uidValidity: string;
  raw: Uint8Array;
  fromBlob: boolean;
}

export interface TestSystemOptions {
  caFiles?: string[];
  pop3PollMs?: number;
  folderPollMs?: number;
  /** The connector's pause threshold; its default without it. */
  pauseAfterMs?: number;
  /** The IMAP connector's deadlines and retry backoff; its defaults without them. */
  imap?: SystemOptions['imap'];
  /** Whether the mail summariser runs; default true. */
  mailSummary?: boolean;
  /** The NATS to run against; default `NATS_URL`, else the machine's server. */
  natsUrl?: string;
  /** The PostgreSQL server on which the throwaway database is made; default `DATABASE_URL`. */
  databaseUrl?: string;
}

/**
 * The whole system in this process, against the NATS of `NATS_URL` and a throwaway database on
 * the PostgreSQL of `DATABASE_URL` (or the servers given), in a NATS namespace of its own that
 * `stop` deletes.
 */
export async function startTestSystem({
  caFiles = [],
  pop3PollMs,
  folderPollMs,
  pauseAfterMs,
  imap = {},
  mailSummary = true,
  natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  databaseUrl,
}: TestSystemOptions = {}): Promise<TestSystem> {
  const nc = await connectNats({ url: natsUrl, name: 'e2e' });
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const database = await createTestDatabase({
    migrate: false,
    ...(databaseUrl ? { adminUrl: databaseUrl } : {}),
  });
  const secretsMasterKey = generateMasterKey('test');
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ name: 'e2e', level: 'debug', destination: sink });
  const options: SystemOptions = {
    nc,
    databaseUrl: database.url,
    secretsMasterKey,
    jwtSecret: randomBytes(32).toString('hex'),
    port: 0,
    caFiles,
    // Dovecot listens on loopback; everything else private stays refused, as in production.
    allowedPrivateHosts: ['127.0.0.1'],
    ...(pop3PollMs === undefined ? {} : { pop3PollMs }),
    ...(folderPollMs === undefined ? {} : { folderPollMs }),
    ...(pauseAfterMs === undefined ? {} : { pauseAfterMs }),
    imap,
    mailSummary,
    namespace,
    logger,
  };
  let system = await startSystem(options);
  const call = async (userId: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${system.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await system.token(userId)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const names = topology(namespace);
  const log = new EventLog(jetstream(nc), await jetstreamManager(nc), names);
  const keyring = await openIdentityKeyring(jetstream(nc), {
    master: secretBoxFromConfig(secretsMasterKey),
    topology: names,
  });
  return {
    get apiUrl() {
      return system.apiUrl;
    },
    token: (userId, ttlSeconds) => system.token(userId, ttlSeconds),
    nc,
    topology: names,
    events: async (id) => (await log.read(id)).map((s) => s.event),
    database,
    keyring,
    logs: () => lines.join(''),
    call,
    async restart() {
      await system.stop();
      system = await startSystem(options);
    },
    async stop() {
      await system.stop();
      await database.drop();
      await deleteNamespace(nc, namespace);
      await nc.close();
    },
  };
}

/** Reads every message published for an identity, fetching bodies from the object store. */
export async function readPublishedMail(
  system: Pick<TestSystem, 'nc' | 'topology'>,
  identityId: string,
): Promise<PublishedMail[]> {
  const js = jetstream(system.nc);
  const jsm = await jetstreamManager(system.nc);
  const subject = system.topology.mailSubject(identityId);
  const last = await jsm.streams
    .getMessage(system.topology.mailStream, { last_by_subj: subject })
    .catch(() => null);
  if (!last) return [];
  const blobs = await new Objm(js).open(system.topology.mailBlobBucket);
  const consumer = await js.consumers.get(system.topology.mailStream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  const out: PublishedMail[] = [];
  const messages = await consumer.consume();
  for await (const msg of messages) {
    const h = msg.headers;
    const blob = h?.get(MAIL_HEADERS.blob);
    const raw = blob ? await blobs.getBlob(blob) : msg.data;
    if (!raw) throw new Error(`mail blob ${blob} is missing`);
    out.push({
      uid: Number(h?.get(MAIL_HEADERS.uid)),
      mailbox: decodeURIComponent(h?.get(MAIL_HEADERS.mailbox) ?? ''),
      uidValidity: h?.get(MAIL_HEADERS.uidValidity) ?? '',
      raw,
      fromBlob: Boolean(blob),
    });
    if (msg.seq >= last.seq) break;
  }
  await messages.close();
  return out;
}

/**
 * Puts an email sub-object on `userId`'s contact through the API, as a client does before it
 * registers an identity on it, and answers its `email_id`: the identity's `identity_id`.
 */
export async function createEmailSubObject(
  system: { call(...args: Parameters<TestSystem['call']>): Promise<Omit<ApiAnswer, 'headers'>> },
  userId: string,
  email: Record<string, unknown> = {},
): Promise<string> {
  const emailId = `email-${randomBytes(6).toString('hex')}`;
  const answer = await system.call(userId, 'PUT', `/v1/contacts/me/emails/${emailId}`, {
    email: { address: `${emailId}@example.org`, ...email },
  });
  if (answer.status !== 201) {
    throw new Error(
      `PUT of email ${emailId} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return emailId;
}

/** Polls `read` until `done` holds or `timeoutMs` passes; answers the last value read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 60_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await read();
  }
  return value;
}

/** Deletes every stream, KV bucket and object store of a test namespace. */
export async function deleteNamespace(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const upper = `${namespace.toUpperCase()}_`;
  for await (const info of jsm.streams.list()) {
    const name = info.config.name;
    if (name.startsWith(upper) || name.includes(`_${namespace}-`)) {
      await jsm.streams.delete(name);
    }
  }
}
