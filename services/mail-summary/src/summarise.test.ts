import { mailSummarySchema } from '@ri/events';
import { describe, expect, it } from 'vitest';
import { AWKWARD_MAIL } from '../../../test/support/awkward-mail.ts';
import { loadGroup } from '../../../test/support/dataset.ts';
import { summariseMail, unparsedSummary, type RawMailFacts } from './summarise.ts';

const FACTS: RawMailFacts = {
  identityId: 'id-1',
  mailbox: 'INBOX',
  uidValidity: '7',
  uid: 42,
  flags: ['\\Seen'],
  size: 0,
  rawSequence: 9,
};

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

describe('summariseMail on hand-made awkward messages', () => {
  for (const mail of AWKWARD_MAIL) {
    it(`reads ${mail.name}`, async () => {
      const summary = await summariseMail(mail.raw, { ...FACTS, size: mail.raw.length });
      expect(mailSummarySchema.parse(summary)).toEqual(summary);
      const { expected } = mail;
      expect(summary.subject).toBe(expected.subject);
      expect(summary.from).toEqual(expected.from);
      expect(summary.to).toEqual(expected.to);
      expect(summary.message_id).toBe(expected.message_id);
      expect(summary.date).toBe(expected.date);
      expect(summary.attachments).toHaveLength(expected.attachments.length);
      expected.attachments.forEach((want, i) => {
        const got = summary.attachments[i]!;
        expect(got.filename).toBe(want.filename);
        expect(got.content_type).toBe(want.content_type);
        if (want.size === null) expect(got.size).toBeGreaterThanOrEqual(0);
        else expect(got.size).toBe(want.size);
      });
      if (expected.parseError) expect(summary.parse_error).toMatch(/\S/);
      else expect(summary.parse_error).toBeUndefined();
      expect(summary).toMatchObject({ uid: 42, raw_sequence: 9, flags: ['\\Seen'] });
    });
  }

  it('answers a summary without fields for bytes that are no message at all', async () => {
    const summary = await summariseMail(Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10]), FACTS);
    expect(mailSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ subject: null, from: null, to: [], message_id: null });
  });

  it('reads only the headers of a message over the size limit, and says so', async () => {
    const mail = AWKWARD_MAIL.find((m) => m.name.includes('non-ASCII file names'))!;
    const summary = await summariseMail(mail.raw, FACTS, { maxParseBytes: 100 });
    expect(summary.subject).toBe('Résumé attached');
    expect(summary.attachments).toEqual([]);
    expect(summary.parse_error).toMatch(
      /only the headers were read: \d+ bytes exceed the 100-byte/,
    );
  });

  it('keeps summaries storable: no control characters, no lone surrogates', async () => {
    const raw = crlf('From: a@example.org\nSubject: bell\u0007 nul\u0000 end\n\nbody\n');
    const summary = await summariseMail(raw, FACTS);
    expect(summary.subject).toBe('bell\uFFFD nul\uFFFD end');
  });

  it('cuts address lists at 200 entries and marks the summary truncated', async () => {
    const to = Array.from({ length: 500 }, (_, i) => `u${i}@example.org`).join(', ');
    const summary = await summariseMail(crlf(`From: a@example.org\nTo: ${to}\n\nhi\n`), FACTS);
    expect(summary.to).toHaveLength(200);
    expect(summary.truncated).toBe(true);
  });

  it('summarises a message it was told not to parse from the stream facts alone', () => {
    const summary = unparsedSummary({ ...FACTS, uidl: 'u-1' }, 'delivered 5 times');
    expect(mailSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ uidl: 'u-1', parse_error: 'delivered 5 times', from: null });
  });
});

describe('summariseMail on the SpamAssassin corpus', () => {
  it('summarises every easy-ham-1 message with the Subject and Message-ID it carries', async () => {
    const dataset = loadGroup('easy-ham-1');
    for (const message of dataset) {
      const raw = crlf(message.text);
      const summary = await summariseMail(raw, { ...FACTS, size: raw.length });
      expect(summary.parse_error, message.id).toBeUndefined();
      mailSummarySchema.parse(summary);
      const header = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(message.text)?.[1] ?? null;
      if (header) expect(summary.message_id, message.id).toBe(header);
      const folded = /^Subject: ?([^\n]*(?:\n[ \t][^\n]*)*)/im.exec(message.text)?.[1];
      const subject = folded?.replaceAll('\n', '').replace(/\t+/g, ' ').trim();
      // Compared where the Subject is plain ASCII; encoded words are the parser's own business.
      if (subject !== undefined && /^[\x20-\x7e]*$/.test(subject) && !subject.includes('=?')) {
        expect(summary.subject ?? '', message.id).toBe(subject);
      }
      expect(summary.date === null || !Number.isNaN(Date.parse(summary.date))).toBe(true);
    }
  });

  it('lists the attachments of the corpus messages that declare some', async () => {
    const dataset = loadGroup('easy-ham-1');
    const withParts = dataset.filter((m) => /^Content-Disposition: attachment/im.test(m.text));
    expect(withParts.length).toBeGreaterThan(0);
    for (const message of withParts) {
      const summary = await summariseMail(crlf(message.text), FACTS);
      expect(summary.attachments.length, message.id).toBeGreaterThan(0);
      for (const a of summary.attachments) expect(a.size).toBeGreaterThanOrEqual(0);
    }
  });
});
