/**
 * Hand-made messages that break the rules in ways real mail does, each with what a summary of
 * it must say. Shared by the summariser's unit tests and the end-to-end suite, which sends them
 * through a real mailbox.
 */
export interface AwkwardMail {
  name: string;
  raw: Buffer;
  expected: {
    subject: string | null;
    from: { name: string; address: string } | null;
    to: { name: string; address: string }[];
    message_id: string | null;
    date: string | null;
    /** `size` null: any size, as for a body whose encoding is broken. */
    attachments: { filename: string | null; content_type: string; size: number | null }[];
    /** Whether the summary must carry a parse_error. */
    parseError: boolean;
  };
}

const CRLF = '\r\n';

function lines(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p + CRLF) : p)));
}

function latin1Line(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(CRLF)]);
}

const TO = { name: 'Alice', address: 'alice@example.org' };
const DATE = 'Wed, 02 Dec 2026 09:30:00 +0100';
const DATE_ISO = '2026-12-02T08:30:00.000Z';
const PDF = Buffer.from('%PDF-1.4\n% awkward test\n');

export const AWKWARD_MAIL: AwkwardMail[] = [
  {
    name: 'raw Latin-1 bytes in Subject and From',
    raw: lines(
      latin1Line('From: Jos\u00e9 Garc\u00eda <jose@example.org>'),
      'To: Alice <alice@example.org>',
      latin1Line('Subject: caf\u00e9 cr\u00e8me br\u00fbl\u00e9e'),
      'Message-ID: <latin1.1@example.org>',
      `Date: ${DATE}`,
      '',
      'The body is plain ASCII.',
    ),
    expected: {
      subject: 'café crème brûlée',
      from: { name: 'José García', address: 'jose@example.org' },
      to: [TO],
      message_id: '<latin1.1@example.org>',
      date: DATE_ISO,
      attachments: [],
      parseError: false,
    },
  },
  {
    name: 'raw UTF-8 bytes in Subject and From',
    raw: lines(
      'From: Zoë Ørsted <zoe@example.org>',
      'To: Alice <alice@example.org>',
      'Subject: Grüße aus Köln ☕',
      'Message-ID: <utf8.1@example.org>',
      `Date: ${DATE}`,
      '',
      'Body.',
    ),
    expected: {
      subject: 'Grüße aus Köln ☕',
      from: { name: 'Zoë Ørsted', address: 'zoe@example.org' },
      to: [TO],
      message_id: '<utf8.1@example.org>',
      date: DATE_ISO,
      attachments: [],
      parseError: false,
    },
  },
  {
    name: 'no Message-ID and a Date that is no date',
    raw: lines(
      'From: bob@example.org',
      'To: alice@example.org',
      'Subject: nobody numbered me',
      'Date: the day after tomorrow',
      '',
      'Body.',
    ),
    expected: {
      subject: 'nobody numbered me',
      from: { name: '', address: 'bob@example.org' },
      to: [{ name: '', address: 'alice@example.org' }],
      message_id: null,
      date: null,
      attachments: [],
      parseError: false,
    },
  },
  {
    name: 'a multipart whose closing boundary never comes',
    raw: lines(
      'From: carol@example.org',
      'To: Alice <alice@example.org>',
      'Subject: cut short',
      'Message-ID: <unterminated.1@example.org>',
      `Date: ${DATE}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="never-closed"',
      '',
      '--never-closed',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'See the report.',
      '--never-closed',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      PDF.toString('base64'),
    ),
    expected: {
      subject: 'cut short',
      from: { name: '', address: 'carol@example.org' },
      to: [TO],
      message_id: '<unterminated.1@example.org>',
      date: DATE_ISO,
      attachments: [{ filename: 'report.pdf', content_type: 'application/pdf', size: PDF.length }],
      parseError: false,
    },
  },
  {
    name: 'an attachment whose base64 is broken',
    raw: lines(
      'From: dave@example.org',
      'To: Alice <alice@example.org>',
      'Subject: broken picture',
      'Message-ID: <badbase64.1@example.org>',
      `Date: ${DATE}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'A picture.',
      '--b1',
      'Content-Type: image/png',
      'Content-Disposition: attachment; filename="picture.png"',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo*** this is not base64 ***AAAA=====QUJD',
      '--b1--',
    ),
    expected: {
      subject: 'broken picture',
      from: { name: '', address: 'dave@example.org' },
      to: [TO],
      message_id: '<badbase64.1@example.org>',
      date: DATE_ISO,
      attachments: [{ filename: 'picture.png', content_type: 'image/png', size: null }],
      parseError: false,
    },
  },
  {
    name: 'attachments with non-ASCII file names',
    raw: lines(
      'From: erin@example.org',
      'To: Alice <alice@example.org>',
      'Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9_attached?=',
      'Message-ID: <filename.1@example.org>',
      `Date: ${DATE}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/plain',
      '',
      'Two files.',
      '--b2',
      'Content-Type: text/plain; charset=utf-8',
      "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt",
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('CV\n').toString('base64'),
      '--b2',
      'Content-Type: application/octet-stream; name="=?ISO-8859-1?Q?=C6r=F8_l=F8n.bin?="',
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from([1, 2, 3, 4, 5]).toString('base64'),
      '--b2--',
    ),
    expected: {
      subject: 'Résumé attached',
      from: { name: '', address: 'erin@example.org' },
      to: [TO],
      message_id: '<filename.1@example.org>',
      date: DATE_ISO,
      attachments: [
        { filename: 'résumé €.txt', content_type: 'text/plain', size: 3 },
        { filename: 'Ærø løn.bin', content_type: 'application/octet-stream', size: 5 },
      ],
      parseError: false,
    },
  },
  {
    name: 'MIME nested deeper than the parser allows',
    raw: nested(300),
    expected: {
      subject: 'nested too deep',
      from: { name: '', address: 'frank@example.org' },
      to: [TO],
      message_id: '<nested.1@example.org>',
      date: DATE_ISO,
      attachments: [],
      parseError: true,
    },
  },
];

/** A multipart holding a multipart holding ... `depth` times, as a mail bomb is built. */
function nested(depth: number): Buffer {
  const head = [
    'From: frank@example.org',
    'To: Alice <alice@example.org>',
    'Subject: nested too deep',
    'Message-ID: <nested.1@example.org>',
    `Date: ${DATE}`,
    'MIME-Version: 1.0',
  ];
  const open: string[] = [];
  const close: string[] = [];
  for (let level = 0; level < depth; level++) {
    open.push(`Content-Type: multipart/mixed; boundary="level${level}"`, '', `--level${level}`);
    close.unshift(`--level${level}--`);
  }
  return lines(...head, ...open, 'Content-Type: text/plain', '', 'deep inside', ...close);
}
