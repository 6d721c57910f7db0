/**
 * A stand-in for a connector fetching a big mailbox, run as a process of its own so that its
 * appends race the API's truly, as a connector's do. Appends `history` FetchProgressed facts
 * back to back to the identity's subject and prints `history` once they are in, then one fact
 * every `gap` ms until stdin closes; prints how many it appended on the way out.
 *
 * Usage: tsx fact-pump.ts <namespace> <remote identity id> <history> <gap ms>
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { connectNats, openJetStream } from '@ri/event-store';
import { newEvent, topology } from '@ri/events';

const [namespace = '', id = '', history = '0', gap = '0'] = process.argv.slice(2);
const nc = await connectNats({
  url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  name: 'identity-api-test-fact-pump',
});
const { log } = await openJetStream(nc, { topology: topology(namespace) });
let running = true;
process.stdin.on('close', () => (running = false)).resume();

const fetchId = randomUUID();
let appended = 0;
while (running) {
  const progress = { fetch_id: fetchId, mailbox: 'INBOX', total_fetched: appended };
  const fact = newEvent(
    'FetchProgressed',
    { ...progress, last_uid: appended },
    {
      remote_identity_id: id,
      user_id: 'alice',
      correlation_id: randomUUID(),
      causation_id: null,
      occurred_at: new Date().toISOString(),
    },
  );
  await log.append(fact);
  appended += 1;
  if (appended === Number(history)) process.stdout.write('history\n');
  if (appended >= Number(history) && Number(gap) > 0) await delay(Number(gap));
}
process.stdout.write(`appended ${appended}\n`);
await nc.drain();
