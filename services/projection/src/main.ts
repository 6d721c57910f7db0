import { commonEnv, databaseEnv, loadConfig } from '@ri/config';
import { connectNats, openJetStream } from '@ri/event-store';
import { createLogger } from '@ri/logging';
import { migrateToLatest, openDatabase } from '@ri/read-model';
import { startProjection } from './projection.ts';

// The projection on its own, as it runs in production: one process, PostgreSQL, NATS.
const config = loadConfig({ ...commonEnv, ...databaseEnv });
const logger = createLogger({ name: 'projection', level: config.LOG_LEVEL });

// 1. Connect and make sure the streams and the schema exist.
const nc = await connectNats({ url: config.NATS_URL, name: 'projection' });
const { js, topology } = await openJetStream(nc, { replicas: config.NATS_STREAM_REPLICAS });
const db = openDatabase({ url: config.DATABASE_URL });
await migrateToLatest(db);

// 2. Project until told to stop.
const projection = await startProjection({ js, db, logger, topology });
logger.info({ position: projection.position() }, 'projection started');

// 3. On a signal, finish the transaction under way, then let go of NATS and the database.
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  try {
    await projection.stop();
    await nc.drain();
    await db.destroy();
    logger.info('stopped');
  } catch (err) {
    logger.error({ err }, 'unclean stop');
    process.exitCode = 1;
  }
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
