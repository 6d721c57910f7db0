import { isUtf8 } from 'node:buffer';

// What mail clients that wrote raw 8-bit headers used in practice; its printable range is a
// superset of Latin-1's.
const WINDOWS_1252 = new TextDecoder('windows-1252');
const ENCODER = new TextEncoder();
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
    const rewritten = isUtf8(line) ? line : ENCODER.encode(WINDOWS_1252.decode(line));
    changed ||= rewritten !== line;
    parts.push(rewritten);
    lineStart = lineEnd;
  }
  if (!changed) return raw;
  parts.push(raw.subarray(end));
  return Buffer.concat(parts);
}
