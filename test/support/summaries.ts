import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { parseMailSummary, type MailSummary, type Topology } from '@ri/events';

/** Every summary in the summary stream for an identity, in stream order, validated. */
export async function readMailSummaries(
  system: { nc: NatsConnection; topology: Topology },
  identityId: string,
): Promise<MailSummary[]> {
  const js = jetstream(system.nc);
  const jsm = await jetstreamManager(system.nc);
  const subject = system.topology.summarySubject(identityId);
  const last = await jsm.streams
    .getMessage(system.topology.summaryStream, { last_by_subj: subject })
    .catch(() => null);
  if (!last) return [];
  const consumer = await js.consumers.get(system.topology.summaryStream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  const out: MailSummary[] = [];
  const messages = await consumer.consume();
  for await (const msg of messages) {
    out.push(parseMailSummary(msg.json()));
    if (msg.seq >= last.seq) break;
  }
  await messages.close();
  return out;
}
