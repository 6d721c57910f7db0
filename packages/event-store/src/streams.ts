import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { DEFAULT_TOPOLOGY, type Topology } from '@ri/events';

export interface StreamSettings {
  /** Replicas of every stream; 1 on a single server, 3 on a production cluster. */
  replicas?: number;
  /**
   * How long a message id is remembered for dropping a republished mail message, and a
   * summary published again for a redelivered one.
   */
  mailDuplicateWindowMs?: number;
  /** Names of streams and subjects; the default namespace unless given. */
  topology?: Topology;
}

/**
 * The identity log keeps everything forever: it is the source of truth that auditors replay.
 * The mail stream keeps messages by limits too, so that several services can read them; how
 * long is an operator's choice (`max_age`), none by default. The summary stream is kept the
 * same way, beside the mail it summarises.
 */
export function streamConfigs({
  replicas = 1,
  mailDuplicateWindowMs = 60 * 60 * 1000,
  topology = DEFAULT_TOPOLOGY,
}: StreamSettings = {}): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: topology.identityStream,
      subjects: [topology.identityFilter, topology.contactFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
      max_age: 0,
      duplicate_window: nanos(2 * 60 * 1000),
    },
    {
      name: topology.mailStream,
      subjects: [topology.mailFilter, topology.flagsFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
      max_age: 0,
      duplicate_window: nanos(mailDuplicateWindowMs),
    },
    {
      name: topology.summaryStream,
      subjects: [topology.summaryFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
      max_age: 0,
      duplicate_window: nanos(mailDuplicateWindowMs),
    },
  ];
}

/**
 * Creates the streams that are missing; existing ones are left as the operator set them, except
 * that subjects this release added are added to them (a stream created before contacts existed
 * gains the contact subjects), since appends to a subject no stream holds would fail.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  settings: StreamSettings = {},
): Promise<void> {
  for (const config of streamConfigs(settings)) {
    const { name } = config;
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await jsm.streams.add(config);
      } catch (addErr) {
        // Another service created it between our look-up and our add.
        if (!/already in use|already exists/i.test(String(addErr))) throw addErr;
      }
      continue;
    }
    const held = info.config.subjects ?? [];
    const missing = (config.subjects ?? []).filter((subject) => !held.includes(subject));
    if (missing.length > 0) {
      await jsm.streams.update(name, { ...info.config, subjects: [...held, ...missing] });
    }
  }
}

export function isNotFound(err: unknown): boolean {
  return /not found/i.test(String((err as Error)?.message ?? err));
}
