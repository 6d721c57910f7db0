import { AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Topology } from '@ri/events';
import { isNotFound } from './streams.ts';

export interface DurableIdentityConsumerOptions {
  /** How long a delivered event may stay unacknowledged before it is delivered again. */
  ackWaitMs: number;
}

/**
 * Creates a service's durable consumer of every identity subject when it is missing. A new
 * one starts at the beginning of the log: its owner acts on current state, so replaying old
 * requests is harmless, and skipping them could miss one made before the service existed.
 * An existing consumer is left as it is.
 */
export async function ensureDurableIdentityConsumer(
  jsm: JetStreamManager,
  topology: Topology,
  name: string,
  { ackWaitMs }: DurableIdentityConsumerOptions,
): Promise<void> {
  try {
    await jsm.consumers.info(topology.identityStream, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(topology.identityStream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: topology.identityFilter,
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: 1000,
    });
  }
}
