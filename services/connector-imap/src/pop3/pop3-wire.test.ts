import { describe, expect, it } from 'vitest';
import { fitToSize, joinListings, parseListing, unstuff } from './pop3-wire.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString('latin1');

describe('POP3 listings', () => {
  it('parses numbered lines and ignores anything else', () => {
    const parsed = parseListing('1 abc\r\n2 def\r\n\r\nnonsense\r\n10 xyz extra\r\n');
    expect([...parsed]).toEqual([
      [1, 'abc'],
      [2, 'def'],
      [10, 'xyz'],
    ]);
  });

  it('joins UIDL and LIST by message number, oldest first', () => {
    const entries = joinListings('2 b\r\n1 a\r\n3 c\r\n', '1 100\r\n2 200\r\n');
    expect(entries).toEqual([
      { number: 1, uidl: 'a', size: 100 },
      { number: 2, uidl: 'b', size: 200 },
    ]);
  });
});

describe('dot-stuffing', () => {
  it('removes the doubled dot at the start of every line and nowhere else', () => {
    expect(text(unstuff(bytes('..first\r\nmid.dle\r\n...\r\n..\r\nend.')))).toBe(
      '.first\r\nmid.dle\r\n..\r\n.\r\nend.',
    );
  });

  it('keeps a dot after a bare LF, which is not a line end in POP3', () => {
    expect(text(unstuff(bytes('a\n.b')))).toBe('a\n.b');
  });
});

describe('fitting a body to its LIST size', () => {
  it('keeps a body of the announced size', () => {
    expect(text(fitToSize(bytes('a\r\nb\r\n'), 6))).toBe('a\r\nb\r\n');
  });

  it('restores the final line end that the terminator took', () => {
    expect(text(fitToSize(bytes('a\r\nb'), 6))).toBe('a\r\nb\r\n');
  });

  it('drops the line end that the server added to a message without one', () => {
    expect(text(fitToSize(bytes('a\r\nb\r\n'), 4))).toBe('a\r\nb');
  });

  it('refuses a body that no reading fits, such as a cut one', () => {
    expect(fitToSize(bytes('a\r\nb'), 40)).toBeUndefined();
  });
});
