import { type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { decodeEvent, ensureDurableIdentityConsumer } from '@ri/event-store';
import type { Topology } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { IdentityKeyring } from '@ri/secrets';

export interface StartShredderOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  topology: Topology;
  keyring: Pick<IdentityKeyring, 'shred'>;
  logger: Logger;
  /** The durable consumer, shared by every API replica; `identity-api-shredder` by default. */
  consumerName?: string;
}

export interface RunningShredder {
  stop(): Promise<void>;
}

/**
 * Shreds the data key of every deleted identity, at least once. The DELETE route shreds right
 * after its append already; this durable consumer covers a process that stopped between the
 * two, a bucket that was out of reach, and a delete appended by anything but the API. Its first
 * run reads the whole log, so identities deleted before shredding existed are swept too (those
 * whose password was sealed with the master key have no data key; see the README).
 */
export async function startShredder({
  js,
  jsm,
  topology,
  keyring,
  logger,
  consumerName = 'identity-api-shredder',
}: StartShredderOptions): Promise<RunningShredder> {
  await ensureDurableIdentityConsumer(jsm, topology, consumerName, { ackWaitMs: 60_000 });
  const consumer = await js.consumers.get(topology.identityStream, consumerName);
  const messages = await consumer.consume({ max_messages: 256 });
  const loop = (async () => {
    for await (const msg of messages) {
      let event;
      try {
        event = decodeEvent(msg.data);
      } catch (err) {
        logger.error({ err, seq: msg.seq }, 'undecodable event skipped');
        msg.term();
        continue;
      }
      if (event.type !== 'RemoteIdentityDeleted') {
        msg.ack();
        continue;
      }
      const id = event.remote_identity_id;
      try {
        await keyring.shred(id);
        msg.ack();
        logger.info({ remote_identity_id: id }, 'data key shredded');
      } catch (err) {
        logger.warn({ err, remote_identity_id: id }, 'shredding failed; redelivery');
        msg.nak(5000);
      }
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop;
    },
  };
}
