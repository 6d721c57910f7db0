import { setTimeout as delay } from 'node:timers/promises';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { MAIL_HEADERS, type Topology } from '@ri/events';
import { contentHash } from './mail-publisher.ts';

export interface PublishedContentOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  blobs: ObjectStore;
  topology: Topology;
}

/**
 * What a mailbox published before, as content hashes, read back from the mail stream: the
 * stream is the record of what was published, so nothing else has to be written on the way.
 * Reading it costs a pass over the identity's mail, which only a changed UIDVALIDITY needs.
 */
export class PublishedContent {
  constructor(private readonly options: PublishedContentOptions) {}

  /** How many times each content hash was published from `mailbox`. */
  async of(identityId: string, mailbox: string): Promise<Map<string, number>> {
    const { js, jsm, blobs, topology } = this.options;
    const counts = new Map<string, number>();
    const subject = topology.mailSubject(identityId);
    const last = await jsm.streams
      .getMessage(topology.mailStream, { last_by_subj: subject })
      .catch(() => null);
    if (!last) return counts;
    const wanted = encodeURIComponent(mailbox);
    const consumer = await js.consumers.get(topology.mailStream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await consumer.consume();
    try {
      for await (const msg of messages) {
        const h = msg.headers;
        if (h?.get(MAIL_HEADERS.mailbox) === wanted) {
          // Mail of earlier releases has no hash header: hash its body instead.
          let hash = h.get(MAIL_HEADERS.sha256);
          if (!hash) {
            const blob = h.get(MAIL_HEADERS.blob);
            const raw = blob ? await blobs.getBlob(blob) : msg.data;
            hash = raw ? contentHash(raw) : '';
          }
          if (hash) counts.set(hash, (counts.get(hash) ?? 0) + 1);
        }
        if (msg.seq >= last.seq) break;
      }
    } finally {
      // Bounded: closing an ordered consumer can fail to settle on NATS 2.9 (see projection).
      await Promise.race([messages.close(), delay(2000)]);
    }
    return counts;
  }
}
