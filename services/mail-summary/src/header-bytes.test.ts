import { describe, expect, it } from 'vitest';
import { headerEnd, repairHeaderBytes } from './header-bytes.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('repairHeaderBytes', () => {
  it('answers the very same bytes when the headers are ASCII', () => {
    const raw = bytes('Subject: plain\r\n\r\nbody \u00e9\r\n');
    expect(repairHeaderBytes(raw)).toBe(raw);
  });

  it('rewrites only the header lines that are not UTF-8, and never the body', () => {
    const raw = bytes(
      'Subject: caf',
      [0xe9],
      '\r\nFrom: Zo\u00eb <z@example.org>\r\n\r\nbody ',
      [0xe9],
      '\r\n',
    );
    const repaired = Buffer.from(repairHeaderBytes(raw));
    expect(repaired.toString('utf8')).toContain('Subject: caf\u00e9\r\nFrom: Zo\u00eb <z@');
    expect(repaired.subarray(repaired.length - 3)).toEqual(Buffer.from([0xe9, 0x0d, 0x0a]));
  });

  it('reads windows-1252 punctuation as the sender meant it', () => {
    const raw = bytes('Subject: ', [0x93], 'quoted', [0x94], ' ', [0x80], '5\n\nx\n');
    expect(Buffer.from(repairHeaderBytes(raw)).toString('utf8')).toContain(
      'Subject: \u201cquoted\u201d \u20ac5\n',
    );
  });
});

describe('headerEnd', () => {
  it('finds the blank line after CRLF or LF headers, or the end when there is none', () => {
    expect(headerEnd(bytes('A: 1\r\n\r\nbody'))).toBe(7);
    expect(headerEnd(bytes('A: 1\n\nbody'))).toBe(5);
    expect(headerEnd(bytes('A: 1\r\nB: 2'))).toBe(10);
  });
});
