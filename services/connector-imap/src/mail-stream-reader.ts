import { setTimeout as delay } from 'node:timers/promises';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { Topology } from '@ri/events';

export interface MailStreamReaderOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  topology: Topology;
}

export interface StoredMail {
  seq: number;
  headers: MsgHdrs | undefined;
  /** Empty when only headers were asked for. */
  data: Uint8Array;
}

/**
 * Reads back what an identity published to the mail stream, after a given stream sequence:
 * the stream is the record of what was published, so nothing else is written on the way.
 */
export class MailStreamReader {
  constructor(private readonly options: MailStreamReaderOptions) {}

  /** The stream sequence of the identity's last publication; 0 when there is none. */
  async lastSequence(identityId: string): Promise<number> {
    const { jsm, topology } = this.options;
    const last = await jsm.streams
      .getMessage(topology.mailStream, { last_by_subj: topology.mailSubject(identityId) })
      .catch(() => null);
    return last?.seq ?? 0;
  }

  /** Visits every publication of the identity with a sequence above `after`, in order. */
  async forEach(
    identityId: string,
    after: number,
    visit: (mail: StoredMail) => Promise<void> | void,
    { headersOnly = false } = {},
  ): Promise<void> {
    const { js, topology } = this.options;
    const last = await this.lastSequence(identityId);
    if (last <= after) return;
    const consumer = await js.consumers.get(topology.mailStream, {
      filter_subjects: topology.mailSubject(identityId),
      ...(after > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
        : { deliver_policy: DeliverPolicy.All }),
      headers_only: headersOnly,
    });
    const messages = await consumer.consume();
    try {
      for await (const msg of messages) {
        await visit({ seq: msg.seq, headers: msg.headers, data: msg.data });
        if (msg.seq >= last) break;
      }
    } finally {
      // Bounded: closing an ordered consumer can fail to settle on NATS 2.9 (see projection).
      await Promise.race([messages.close(), delay(2000)]);
    }
  }
}
