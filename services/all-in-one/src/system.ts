import type { NatsConnection } from '@nats-io/nats-core';
import { startImapConnector, type StartImapConnectorOptions } from '@ri/connector-imap';
import { DestinationGuard } from '@ri/destinations';
import { openJetStream } from '@ri/event-store';
import { topology as topologyOf } from '@ri/events';
import {
  createJwtAuthenticator,
  openLoginKeyStore,
  signDevelopmentToken,
  startIdentityApi,
  startShredder,
} from '@ri/identity-api';
import type { Logger } from '@ri/logging';
import { startProjection } from '@ri/projection';
import { migrateToLatest, openDatabase } from '@ri/read-model';
import { openIdentityKeyring, secretBoxFromConfig } from '@ri/secrets';
import { startSummaryThread } from './summary-thread-host.ts';

export interface SystemOptions {
  nc: NatsConnection;
  /** PostgreSQL URL of the read model; embedded PGlite in `pgliteDir` without one. */
  databaseUrl?: string;
  pgliteDir?: string;
  secretsMasterKey: string;
  jwtSecret: string;
  /** A key set whose RS256/ES256 tokens are accepted beside the development HS256 ones. */
  jwksUrl?: string;
  port: number;
  hostname?: string;
  caFiles?: string[];
  /**
   * `ALLOWED_PRIVATE_HOSTS`: hostnames, addresses or CIDRs a mail server may resolve to
   * although they are private. None by default: only public mail servers are reached.
   */
  allowedPrivateHosts?: string[];
  /** Time between two polls of a POP3 maildrop; the connector's default without it. */
  pop3PollMs?: number;
  /** Time between two polls of IMAP folders other than INBOX; the connector's default without. */
  folderPollMs?: number;
  /** `CONNECTOR_PAUSE_AFTER` in milliseconds; the connector's default (72 h) without it. */
  pauseAfterMs?: number;
  /** Deadlines and retry backoff of the IMAP connector; its defaults without them. */
  imap?: Pick<StartImapConnectorOptions, 'timeoutMs' | 'readTimeoutMs' | 'idleRestartMs' | 'retry'>;
  replicas?: number;
  /**
   * Whether to run the mail summariser (on a thread of its own). Default true; the fetch
   * benchmark leaves it out, as a deployment runs it in a pod of its own.
   */
  mailSummary?: boolean;
  /** NATS namespace; see `Topology`. */
  namespace?: string;
  logger: Logger;
}

export interface RunningSystem {
  apiUrl: string;
  /** A development token for `userId`, valid for `ttlSeconds`. */
  token(userId: string, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Every service in one process, wired as each one's own `main.ts` wires it: the projection,
 * the IMAP connector, the mail summariser and the API. For development and the end-to-end
 * tests.
 */
export async function startSystem({
  nc,
  databaseUrl,
  pgliteDir,
  secretsMasterKey,
  jwtSecret,
  jwksUrl,
  port,
  hostname,
  caFiles = [],
  allowedPrivateHosts = [],
  pop3PollMs,
  folderPollMs,
  pauseAfterMs,
  imap = {},
  replicas = 1,
  namespace = '',
  mailSummary = true,
  logger,
}: SystemOptions): Promise<RunningSystem> {
  const topology = topologyOf(namespace);
  const { js, jsm, log } = await openJetStream(nc, { replicas, topology });
  const db = openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: pgliteDir });
  await migrateToLatest(db);
  const master = secretBoxFromConfig(secretsMasterKey);
  const secrets = await openIdentityKeyring(js, { master, topology, replicas });
  const projection = await startProjection({
    js,
    db,
    topology,
    logger: logger.child({ service: 'projection' }),
  });
  const connector = await startImapConnector({
    nc,
    js,
    jsm,
    log,
    secrets,
    allowedPrivateHosts,
    caFiles,
    ...(pop3PollMs === undefined ? {} : { pop3PollMs }),
    ...(folderPollMs === undefined ? {} : { folderPollMs }),
    ...(pauseAfterMs === undefined ? {} : { pauseAfterMs }),
    ...imap,
    replicas,
    topology,
    logger: logger.child({ service: 'connector-imap' }),
  });
  const summaries = !mailSummary
    ? undefined
    : await startSummaryThread(
        { natsUrl: `nats://${nc.getServer()}`, namespace, replicas },
        logger.child({ service: 'mail-summary' }),
      );
  const api = await startIdentityApi({
    port,
    ...(hostname ? { hostname } : {}),
    log,
    db,
    secrets,
    destinations: new DestinationGuard({ allowed: allowedPrivateHosts }),
    logins: await openLoginKeyStore(js, { topology, replicas }),
    auth: createJwtAuthenticator({ secret: jwtSecret, ...(jwksUrl ? { jwksUrl } : {}) }),
    logger: logger.child({ service: 'identity-api' }),
  });
  const shredder = await startShredder({
    js,
    jsm,
    topology,
    keyring: secrets,
    logger: logger.child({ service: 'identity-api' }),
  });
  return {
    apiUrl: api.url,
    token: (userId, ttlSeconds = 24 * 3600) => signDevelopmentToken(jwtSecret, userId, ttlSeconds),
    async stop() {
      await api.stop();
      await shredder.stop();
      await connector.stop();
      await summaries?.stop();
      await projection.stop();
      await db.destroy();
    },
  };
}
