import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_MAIL } from '../support/awkward-mail.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import { imapClient } from '../support/maildir.ts';
import { readMailSummaries } from '../support/summaries.ts';
import { startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

let dovecot: DovecotServer;
let system: TestSystem;

beforeAll(async () => {
  dovecot = await startDovecot();
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

/** Appends raw bytes as they are (8-bit headers included) with flags; answers the UID. */
async function appendRaw(raw: Buffer, flags: string[] = []): Promise<number> {
  const client = imapClient(dovecot);
  await client.connect();
  try {
    const result = await client.append('INBOX', raw, flags);
    if (!result || result.uid === undefined) throw new Error('APPEND returned no UID');
    return result.uid;
  } finally {
    await client.logout();
  }
}

const LATE = Buffer.from(
  [
    'From: "Grace Hopper" <grace@example.org>',
    'To: Alice <alice@example.org>, bob@example.org',
    'Cc: Carol <carol@example.org>',
    'Subject: appended after the awkward ones',
    'Message-ID: <late.1@example.org>',
    'Date: Thu, 03 Dec 2026 12:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="late"',
    '',
    '--late',
    'Content-Type: text/plain',
    '',
    'Minutes attached.',
    '--late',
    'Content-Type: text/csv; name="minutes.csv"',
    'Content-Disposition: attachment; filename="minutes.csv"',
    '',
    'a,b',
    '1,2',
    '--late--',
    '',
  ].join('\r\n'),
);

describe('mail summaries, end to end', () => {
  it('summarises broken mail with what can be read, then the good mail after it', async () => {
    const uids: number[] = [];
    for (const mail of AWKWARD_MAIL) uids.push(await appendRaw(mail.raw, ['\\Flagged']));
    const id = await createConnectedIdentity(system, 'user-summary', {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_beginning',
    });
    const summaries = await waitFor(
      () => readMailSummaries(system, id),
      (list) => list.length === AWKWARD_MAIL.length,
      { what: 'a summary of every awkward message', timeoutMs: 120_000 },
    );
    for (const [i, mail] of AWKWARD_MAIL.entries()) {
      const summary = summaries.find((s) => s.uid === uids[i]);
      expect(summary, mail.name).toBeDefined();
      const { expected } = mail;
      expect(summary).toMatchObject({
        remote_identity_id: id,
        mailbox: 'INBOX',
        subject: expected.subject,
        from: expected.from,
        to: expected.to,
        message_id: expected.message_id,
        date: expected.date,
      });
      expect(summary!.flags, mail.name).toContain('\\Flagged');
      // Dovecot stores the bytes as appended; CRLF line ends are kept, so the size is theirs.
      expect(summary!.size, mail.name).toBe(mail.raw.length);
      expect(
        summary!.attachments.map((a) => [a.filename, a.content_type]),
        mail.name,
      ).toEqual(expected.attachments.map((a) => [a.filename, a.content_type]));
      expect(summary!.parse_error !== undefined, mail.name).toBe(expected.parseError);
    }

    const lateUid = await appendRaw(LATE, ['\\Seen']);
    const all = await waitFor(
      () => readMailSummaries(system, id),
      (list) => list.some((s) => s.uid === lateUid),
      { what: 'the late message summarised' },
    );
    expect(all).toHaveLength(AWKWARD_MAIL.length + 1);
    const late = all.find((s) => s.uid === lateUid);
    // Dovecot adds \Recent for the session that sees the message first.
    expect(late?.flags).toContain('\\Seen');
    expect(late).toMatchObject({
      from: { name: 'Grace Hopper', address: 'grace@example.org' },
      to: [
        { name: 'Alice', address: 'alice@example.org' },
        { name: '', address: 'bob@example.org' },
      ],
      cc: [{ name: 'Carol', address: 'carol@example.org' }],
      subject: 'appended after the awkward ones',
      message_id: '<late.1@example.org>',
      date: '2026-12-03T12:00:00.000Z',
      // The line break before a boundary belongs to the boundary: "a,b\r\n1,2".
      attachments: [{ filename: 'minutes.csv', content_type: 'text/csv', size: 8 }],
    });
    expect(late!.parse_error).toBeUndefined();
    // Each summary names its raw message, one to one.
    expect(new Set(all.map((s) => s.raw_sequence)).size).toBe(all.length);
    // The summary can be out before the projection shows the fetch: wait for the count.
    await waitFor(
      () => readIdentity(system, 'user-summary', id),
      (a) => a.body?.messages_fetched === AWKWARD_MAIL.length + 1,
      { what: 'the count in the read model' },
    );
  });
});
