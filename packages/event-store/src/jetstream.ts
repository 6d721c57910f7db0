import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DEFAULT_TOPOLOGY, type Topology } from '@ri/events';
import { EventLog } from './event-log.ts';
import { ensureStreams, type StreamSettings } from './streams.ts';

export interface JetStreamContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: EventLog;
  topology: Topology;
}

/** Opens the JetStream APIs on a connection and makes sure the streams exist. */
export async function openJetStream(
  nc: NatsConnection,
  settings: StreamSettings = {},
): Promise<JetStreamContext> {
  const jsm = await jetstreamManager(nc);
  const topology = settings.topology ?? DEFAULT_TOPOLOGY;
  await ensureStreams(jsm, { ...settings, topology });
  const js = jetstream(nc);
  return { nc, js, jsm, topology, log: new EventLog(js, jsm, topology) };
}
