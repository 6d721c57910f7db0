import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import { startMailSummary } from '@ri/mail-summary';

/** What the host thread gives the summariser's thread. */
export interface SummaryThreadData {
  natsUrl: string;
  namespace: string;
  replicas: number;
  level: string;
}

/** Messages from the summariser's thread to its host. */
export type SummaryThreadMessage = { log: string } | { started: true } | { stopped: true };

// The mail summariser on a thread of its own: parsing mail is CPU work that would otherwise
// share one event loop with fetching it. It talks to NATS over its own connection, as the
// service does when deployed alone, and hands its log lines to the host thread.
const port = parentPort!;
const data = workerData as SummaryThreadData;
const send = (message: SummaryThreadMessage) => port.postMessage(message);
const lines = new Writable({
  write(chunk, _encoding, done) {
    send({ log: String(chunk) });
    done();
  },
});
const logger = createLogger({ name: 'mail-summary', level: data.level, destination: lines });
const names = topology(data.namespace);
const nc = await connectNats({ url: data.natsUrl, name: 'mail-summary' });
const { js, jsm } = await openJetStream(nc, { replicas: data.replicas, topology: names });
const service = await startMailSummary({ js, jsm, logger, topology: names });
send({ started: true });
port.once('message', () => {
  void service
    .stop()
    .then(() => nc.drain())
    .finally(() => send({ stopped: true }));
});
