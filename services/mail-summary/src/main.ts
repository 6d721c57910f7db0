import { z } from 'zod';
import { commonEnv, loadConfig } from '@ri/config';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import { startMailSummary } from './index.ts';

// The mail summariser on its own, as deployed: replicas share its durable consumer.
const config = loadConfig({
  ...commonEnv,
  /** Larger messages are summarised from their headers alone. */
  MAX_PARSED_MAIL_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
});
const logger = createLogger({ name: 'mail-summary', level: config.LOG_LEVEL });

// 1. Connect and make sure the mail and summary streams exist.
const names = topology(config.NATS_NAMESPACE);
const nc = await connectNats({ url: config.NATS_URL, name: 'mail-summary' });
const { js, jsm } = await openJetStream(nc, {
  replicas: config.NATS_STREAM_REPLICAS,
  topology: names,
});

// 2. Summarise until told to stop.
const service = await startMailSummary({
  js,
  jsm,
  logger,
  topology: names,
  maxParseBytes: config.MAX_PARSED_MAIL_BYTES,
});

// 3. On a signal, let the summaries under way be stored, then let go of NATS.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    void service
      .stop()
      .then(() => nc.drain())
      .then(() => process.exit(0));
  });
}
