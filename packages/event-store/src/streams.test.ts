import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { topology } from '@ri/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connect.ts';
import { ensureStreams } from './streams.ts';

let nc: NatsConnection;
let jsm: JetStreamManager;
const names = topology(`es-${randomBytes(4).toString('hex')}`);

beforeAll(async () => {
  nc = await connectNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'test' });
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  for (const stream of [names.identityStream, names.mailStream, names.summaryStream]) {
    await jsm?.streams.delete(stream).catch(() => false);
  }
  await nc?.drain();
});

describe('ensureStreams', () => {
  it('adds the contact subjects to an identity stream created before contacts', async () => {
    await jsm.streams.add({ name: names.identityStream, subjects: [names.identityFilter] });
    await ensureStreams(jsm, { topology: names });
    const info = await jsm.streams.info(names.identityStream);
    expect(info.config.subjects).toEqual([names.identityFilter, names.contactFilter]);
  });

  it('creates the summary stream on the summary subjects', async () => {
    await ensureStreams(jsm, { topology: names });
    const info = await jsm.streams.info(names.summaryStream);
    expect(info.config.subjects).toEqual([names.summaryFilter]);
    expect(names.summarySubject('abc')).toBe(`${names.namespace}.ri.summary.abc`);
  });
});
