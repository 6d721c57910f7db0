import { z } from 'zod';
import { commonEnv, imapEnv, loadConfig, secretsEnv } from '@ri/config';
import { destinationsEnv } from '@ri/destinations';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import { openIdentityKeyring, secretBoxFromConfig } from '@ri/secrets';
import { pauseEnv, startImapConnector } from './index.ts';

// The IMAP and POP3 connector on its own, as deployed: one process per replica.
const config = loadConfig({
  ...commonEnv,
  ...secretsEnv,
  ...destinationsEnv,
  ...pauseEnv,
  ...imapEnv,
  /** Comma-separated PEM files of CAs to trust beside Node's roots. */
  MAIL_CA_FILE: z.string().optional(),
  /** Milliseconds between two polls of a POP3 maildrop. */
  POP3_POLL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** Milliseconds between two polls of the IMAP folders other than INBOX. */
  IMAP_FOLDER_POLL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
});
const logger = createLogger({ name: 'connector-imap', level: config.LOG_LEVEL });
const nc = await connectNats({ url: config.NATS_URL, name: 'connector-imap' });
const { js, jsm, log } = await openJetStream(nc, {
  replicas: config.NATS_STREAM_REPLICAS,
  topology: topology(config.NATS_NAMESPACE),
});
const connector = await startImapConnector({
  nc,
  js,
  jsm,
  log,
  logger,
  secrets: await openIdentityKeyring(js, {
    master: secretBoxFromConfig(config.SECRETS_MASTER_KEY),
    topology: log.topology,
    replicas: config.NATS_STREAM_REPLICAS,
  }),
  allowedPrivateHosts: config.ALLOWED_PRIVATE_HOSTS,
  caFiles: config.MAIL_CA_FILE?.split(',').filter(Boolean) ?? [],
  timeoutMs: config.IMAP_TIMEOUT_MS,
  readTimeoutMs: config.IMAP_READ_TIMEOUT_MS,
  idleRestartMs: config.IMAP_IDLE_RESTART_MS,
  pop3PollMs: config.POP3_POLL_MS,
  folderPollMs: config.IMAP_FOLDER_POLL_MS,
  pauseAfterMs: config.CONNECTOR_PAUSE_AFTER,
  replicas: config.NATS_STREAM_REPLICAS,
  topology: log.topology,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    void connector
      .stop()
      .then(() => nc.drain())
      .then(() => process.exit(0));
  });
}
