import { isUtf8 } from 'node:buffer';

const ENCODER = new TextEncoder();
/**
 * Windows-1252's characters for bytes 0x80-0x9F, where Latin-1 has C1 controls; the five bytes
 * it leaves undefined stay as they are. Spelled out because Node 20's TextDecoder decodes the
 * label `windows-1252` as plain Latin-1.
 */
const WINDOWS_1252_HIGH =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';
const LF = 0x0a;

/** Where the header block ends: the index of the blank line's LF, or the end of the message. */
export function headerEnd(raw: Uint8Array): number {
  let lineStart = 0;
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
    const length = i - lineStart - (i > lineStart && raw[i - 1] === 0x0d ? 1 : 0);
    if (length === 0) return i;
    lineStart = i + 1;
  }
  return raw.length;
}

/**
 * RFC 5322 wants headers in ASCII, with other characters as encoded words; some senders put
 * raw 8-bit bytes there instead, UTF-8 or a legacy charset. A parser that reads them as UTF-8
 * turns a Latin-1 "é" into U+FFFD. Each top-level header line that is not valid UTF-8 is
 * therefore read as windows-1252 and rewritten as UTF-8, so "café" reads as it was sent;
 * lines that are ASCII or valid UTF-8 are left as they are. Answers `raw` itself when there is
 * nothing to rewrite.
 */
// LIMITATION: only the message's own header block is mended; a MIME part's headers (a file
// name in raw Latin-1, say) are still read as UTF-8, and such characters become U+FFFD.
export function repairHeaderBytes(raw: Uint8Array): Uint8Array {
  const end = headerEnd(raw);
  let eightBit = false;
  for (let i = 0; i < end && !eightBit; i++) eightBit = raw[i]! >= 0x80;
  if (!eightBit) return raw;
  const parts: Uint8Array[] = [];
  let changed = false;
  let lineStart = 0;
  while (lineStart < end) {
    const lf = raw.indexOf(LF, lineStart);
    const lineEnd = lf === -1 || lf > end ? end : lf + 1;
    const line = raw.subarray(lineStart, lineEnd);
    const rewritten = isUtf8(line) ? line : ENCODER.encode(windows1252(line));
    changed ||= rewritten !== line;
    parts.push(rewritten);
    lineStart = lineEnd;
  }
  if (!changed) return raw;
  parts.push(raw.subarray(end));
  return Buffer.concat(parts);
}

/** What mail clients that wrote raw 8-bit headers used in practice; a superset of Latin-1. */
function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!);
}
