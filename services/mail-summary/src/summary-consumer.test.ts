import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { connectNats, ensureStreams } from '@ri/event-store';
import { MAIL_HEADERS, topology } from '@ri/events';
import { createLogger } from '@ri/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_MAIL } from '../../../test/support/awkward-mail.ts';
import { readMailSummaries } from '../../../test/support/summaries.ts';
import { deleteNamespace, waitFor } from '../../../test/support/system.ts';
import { startMailSummary, type RunningMailSummary } from './index.ts';

const namespace = `ms${randomBytes(4).toString('hex')}`;
const names = topology(namespace);
let nc: NatsConnection;
let jsm: JetStreamManager;
const lines: string[] = [];
const logger = createLogger({
  name: 'test',
  level: 'debug',
  destination: new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});

beforeAll(async () => {
  nc = await connectNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'test' });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, { topology: names });
});

afterAll(async () => {
  if (nc) await deleteNamespace(nc, namespace);
  await nc?.drain();
});

interface RawMail {
  identityId: string;
  uid: number;
  raw: Uint8Array;
  mailbox?: string;
  flags?: string[];
  blob?: string;
}

/** Publishes as the IMAP connector does: the contract is the `Ri-*` headers. */
async function publishRaw({ identityId, uid, raw, mailbox = 'INBOX', flags = [], blob }: RawMail) {
  const h = headers();
  h.set(MAIL_HEADERS.identity, identityId);
  h.set(MAIL_HEADERS.mailbox, encodeURIComponent(mailbox));
  h.set(MAIL_HEADERS.uidValidity, '1');
  h.set(MAIL_HEADERS.uid, String(uid));
  h.set(MAIL_HEADERS.size, String(raw.length));
  if (flags.length > 0) h.set(MAIL_HEADERS.flags, flags.join(' '));
  if (blob) h.set(MAIL_HEADERS.blob, blob);
  const ack = await jetstream(nc).publish(
    names.mailSubject(identityId),
    blob ? new Uint8Array() : raw,
    {
      msgID: `${identityId}/${uid}/${randomBytes(3).toString('hex')}`,
      headers: h,
    },
  );
  return ack.seq;
}

function start(options: Partial<Parameters<typeof startMailSummary>[0]> = {}) {
  return startMailSummary({
    js: jetstream(nc),
    jsm,
    logger,
    topology: names,
    retryDelayMs: 50,
    ...options,
  });
}

function summariesOf(identityId: string, count: number) {
  return waitFor(
    () => readMailSummaries({ nc, topology: names }, identityId),
    (list) => list.length >= count,
    { what: `${count} summaries of ${identityId}` },
  );
}

const good = Buffer.from(
  'From: a@example.org\r\nSubject: fine\r\nMessage-ID: <ok@x>\r\n\r\nhi\r\n',
);

describe('the mail summary service', () => {
  let service: RunningMailSummary | undefined;
  afterAll(() => service?.stop());

  it('summarises every raw message with its place, flags and stream sequence', async () => {
    const id = 'identity-a';
    const sequences: number[] = [];
    for (const [i, mail] of AWKWARD_MAIL.entries()) {
      sequences.push(
        await publishRaw({
          identityId: id,
          uid: i + 1,
          raw: mail.raw,
          mailbox: 'Boîte/Archives',
          flags: ['\\Seen', '\\Flagged'],
        }),
      );
    }
    service = await start();
    const summaries = await summariesOf(id, AWKWARD_MAIL.length);
    expect(summaries.map((s) => s.raw_sequence)).toEqual(sequences);
    for (const [i, summary] of summaries.entries()) {
      const mail = AWKWARD_MAIL[i]!;
      expect(summary).toMatchObject({
        remote_identity_id: id,
        mailbox: 'Boîte/Archives',
        uid_validity: '1',
        uid: i + 1,
        flags: ['\\Seen', '\\Flagged'],
        size: mail.raw.length,
        subject: mail.expected.subject,
        message_id: mail.expected.message_id,
      });
      expect(summary.parse_error !== undefined).toBe(mail.expected.parseError);
    }
  });

  it('reads a body from the object store and says when the blob is gone', async () => {
    const id = 'identity-blob';
    const blobs = await new Objm(jetstream(nc)).create(names.mailBlobBucket);
    await blobs.putBlob({ name: 'stored' }, good);
    await publishRaw({ identityId: id, uid: 1, raw: good, blob: 'stored' });
    await publishRaw({ identityId: id, uid: 2, raw: good, blob: 'never-stored' });
    const [stored, gone] = await summariesOf(id, 2);
    expect(stored).toMatchObject({ subject: 'fine', message_id: '<ok@x>' });
    expect(stored!.parse_error).toBeUndefined();
    expect(gone).toMatchObject({ uid: 2, subject: null });
    expect(gone!.parse_error).toMatch(/missing from the object store/);
  });

  it('drops a message that names no identity or uid and goes on with the next', async () => {
    const id = 'identity-after-bad';
    const h = headers();
    h.set(MAIL_HEADERS.identity, id);
    h.set(MAIL_HEADERS.uid, 'not-a-number');
    await jetstream(nc).publish(names.mailSubject(id), good, { headers: h });
    await publishRaw({ identityId: id, uid: 7, raw: good });
    const [summary] = await summariesOf(id, 1);
    expect(summary).toMatchObject({ uid: 7, subject: 'fine' });
    expect(lines.join('')).toContain('mail without identity dropped');
  });

  it('never duplicates a summary when the messages are delivered again', async () => {
    const id = 'identity-redelivered';
    await publishRaw({ identityId: id, uid: 1, raw: good });
    await summariesOf(id, 1);
    await service?.stop();
    // Deleting the durable consumer makes the next start deliver the whole stream again.
    await jsm.consumers.delete(names.mailStream, 'mail-summary');
    service = await start();
    await publishRaw({ identityId: id, uid: 2, raw: good });
    await summariesOf(id, 2);
    const info = await jsm.streams.info(names.summaryStream);
    const raw = await jsm.streams.info(names.mailStream);
    // Every raw message but the one without a uid has one summary, and no more.
    expect(info.state.messages).toBe(raw.state.messages - 1);
  });

  it('summarises unparsed a message delivered too often, without holding the others', async () => {
    await service?.stop();
    service = undefined;
    const id = 'identity-poison';
    // A blob in a bucket that does not answer fails every delivery, as a crashing parser would.
    await publishRaw({ identityId: id, uid: 1, raw: good, blob: 'x' });
    await jsm.streams.delete(`OBJ_${names.mailBlobBucket}`);
    await publishRaw({ identityId: id, uid: 2, raw: good });
    const poisoned = await start({ consumerName: 'poison-test', maxDeliveries: 3 });
    try {
      const summaries = await summariesOf(id, 2);
      const byUid = new Map(summaries.map((s) => [s.uid, s]));
      expect(byUid.get(2)).toMatchObject({ subject: 'fine' });
      expect(byUid.get(1)!.parse_error).toBe('not parsed: delivered 3 times without a summary');
    } finally {
      await poisoned.stop();
    }
  });
});
