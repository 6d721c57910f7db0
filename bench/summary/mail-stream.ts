import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { ensureStreams } from '@ri/event-store';
import { MAIL_HEADERS, mailMessageId, topology, type Topology } from '@ri/events';

/** A namespace of its own holding a mail stream filled as the IMAP connector would fill it. */
export interface BenchMailStream {
  topology: Topology;
  jsm: JetStreamManager;
  identityId: string;
  /** Empties the summary stream, its duplicate window included, for the next round. */
  resetSummaries(): Promise<void>;
  summaryCount(): Promise<number>;
}

/** Publishes every message with the connector's `Ri-*` headers, 256 acknowledgements at once. */
export async function fillMailStream(
  nc: NatsConnection,
  messages: readonly Uint8Array[],
): Promise<BenchMailStream> {
  const names = topology(`bs${randomBytes(4).toString('hex')}`);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, { topology: names });
  const js = jetstream(nc);
  const identityId = 'bench-identity';
  let pending: Promise<unknown>[] = [];
  for (const [index, raw] of messages.entries()) {
    const place = { identityId, mailbox: 'INBOX', uidValidity: '1', uid: index + 1 };
    const h = headers();
    h.set(MAIL_HEADERS.identity, identityId);
    h.set(MAIL_HEADERS.mailbox, place.mailbox);
    h.set(MAIL_HEADERS.uidValidity, place.uidValidity);
    h.set(MAIL_HEADERS.uid, String(place.uid));
    h.set(MAIL_HEADERS.size, String(raw.length));
    h.set(MAIL_HEADERS.flags, '\\Seen');
    pending.push(
      js.publish(names.mailSubject(identityId), raw, { msgID: mailMessageId(place), headers: h }),
    );
    if (pending.length >= 256) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  return {
    topology: names,
    jsm,
    identityId,
    async resetSummaries() {
      // Deleting the stream, not purging it: a purge keeps the message ids of the duplicate
      // window, and the next round's summaries would be dropped instead of stored.
      await jsm.streams.delete(names.summaryStream);
      await ensureStreams(jsm, { topology: names });
    },
    async summaryCount() {
      return (await jsm.streams.info(names.summaryStream)).state.messages;
    },
  };
}
