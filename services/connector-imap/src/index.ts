import { readFileSync } from 'node:fs';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { DEFAULT_TOPOLOGY, type Topology } from '@ri/events';
import type { EventLog } from '@ri/event-store';
import type { Logger } from '@ri/logging';
import { DestinationGuard } from '@ri/destinations';
import type { IdentityKeyring } from '@ri/secrets';
import { CheckpointStore } from './checkpoints.ts';
import { ImapConnector } from './connector.ts';
import { MailPublisher } from './mail-publisher.ts';
import { MailStreamReader } from './mail-stream-reader.ts';
import { PublishedContent } from './published-content.ts';
import { DEFAULT_PAUSE_AFTER_MS } from './pause-policy.ts';
import { UidlStore } from './pop3/uidl-store.ts';
import type { RetryScheduleOptions } from './retry-schedule.ts';

export { classifyFailure } from './failure.ts';
export { pauseEnv } from './pause-env.ts';
export { DEFAULT_PAUSE_AFTER_MS } from './pause-policy.ts';
export type { RetryScheduleOptions } from './retry-schedule.ts';

export interface StartImapConnectorOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: EventLog;
  /** Opens passwords with each identity's data key; `openIdentityKeyring` over the KV bucket. */
  secrets: IdentityKeyring;
  logger: Logger;
  /**
   * `ALLOWED_PRIVATE_HOSTS`: hostnames, addresses or CIDRs that may be private. None by
   * default, so that a user cannot point the connector at an internal network.
   */
  allowedPrivateHosts?: string[];
  /** PEM files of extra CAs to trust, beside Node's roots. */
  caFiles?: string[];
  /** Deadline for connecting and for the server's greeting. Default 20 s. */
  timeoutMs?: number;
  /** IMAP: longest silence of the server while a command waits. Default 60 s. */
  readTimeoutMs?: number;
  /** IMAP: how often IDLE is broken and started again. Default 4 minutes. */
  idleRestartMs?: number;
  /** Backoff between two tries of an identity whose server failed; see RetrySchedule. */
  retry?: RetryScheduleOptions;
  /** Time between two polls of a POP3 maildrop, which cannot announce new mail. Default 5 min. */
  pop3PollMs?: number;
  /** Time between two polls of an IMAP account's folders other than INBOX. Default 5 min. */
  folderPollMs?: number;
  /**
   * `CONNECTOR_PAUSE_AFTER`: how long an identity may fail, with no connection in between,
   * before its retries stop until the user acts. Default 72 hours.
   */
  pauseAfterMs?: number;
  replicas?: number;
  consumerName?: string;
  topology?: Topology;
  now?: () => Date;
}

export interface RunningConnector {
  stop(): Promise<void>;
}

/** Starts the IMAP and POP3 connector: its KV buckets, object store and durable consumer. */
export async function startImapConnector({
  nc,
  js,
  jsm,
  log,
  secrets,
  logger,
  allowedPrivateHosts = [],
  caFiles = [],
  timeoutMs = 20_000,
  readTimeoutMs,
  idleRestartMs,
  retry,
  pop3PollMs = 5 * 60_000,
  folderPollMs = 5 * 60_000,
  pauseAfterMs = DEFAULT_PAUSE_AFTER_MS,
  replicas = 1,
  consumerName = 'connector-imap',
  topology = DEFAULT_TOPOLOGY,
  now = () => new Date(),
}: StartImapConnectorOptions): Promise<RunningConnector> {
  const kvm = new Kvm(js);
  const bucket = { history: 1, replicas, storage: 'file' as const };
  const checkpoints = new CheckpointStore(
    await kvm.create(topology.bucket('connector-imap-checkpoints'), bucket),
  );
  const wanted = await kvm.create(topology.bucket('connector-imap-sessions'), bucket);
  const maxPayload = nc.info?.max_payload ?? 1 << 20;
  const uidls = new UidlStore(
    await kvm.create(topology.bucket('connector-imap-pop3-uidls'), bucket),
    // Room for the headers that travel with a KV value.
    maxPayload - 4096,
  );
  const blobs = await new Objm(js).create(topology.mailBlobBucket, {
    replicas,
    storage: 'file' as const,
  });
  const publisher = new MailPublisher({
    js,
    blobs,
    maxPayload,
    topology,
  });
  const connector = new ImapConnector({
    js,
    jsm,
    log,
    wanted,
    secrets,
    destinations: new DestinationGuard({ allowed: allowedPrivateHosts }),
    logger,
    checkpoints,
    uidls,
    pop3PollMs,
    folderPollMs,
    publisher,
    published: new PublishedContent(new MailStreamReader({ js, jsm, topology }), blobs),
    extraCa: caFiles.map((f) => readFileSync(f, 'utf8')),
    timeoutMs,
    readTimeoutMs,
    idleRestartMs,
    retry,
    consumerName,
    topology,
    now,
    pauseAfterMs,
    ...(retry ? { retry } : {}),
  });
  await connector.start();
  logger.info({ consumer: consumerName }, 'imap connector started');
  return { stop: () => connector.stop() };
}
