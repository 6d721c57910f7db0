/** One message of a POP3 maildrop, as the session sees it. */
export interface Pop3Entry {
  /** Position in this session's maildrop, from 1; another session may number it otherwise. */
  number: number;
  /** The server's unique id (UIDL), stable across sessions. */
  uidl: string;
  /** Size in octets as LIST reports it: the message with CRLF line ends, unstuffed. */
  size: number;
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** Parses the lines `<number> <value>` of a multi-line UIDL or LIST answer. */
export function parseListing(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\r\n')) {
    const match = /^(\d+) +(\S+)/.exec(line);
    if (match) out.set(Number(match[1]), match[2]!);
  }
  return out;
}

/** Joins UIDL and LIST answers, oldest message first; a message missing from either is left. */
export function joinListings(uidl: string, list: string): Pop3Entry[] {
  const sizes = parseListing(list);
  const entries: Pop3Entry[] = [];
  for (const [number, id] of parseListing(uidl)) {
    const size = Number(sizes.get(number));
    if (Number.isInteger(size)) entries.push({ number, uidl: id, size });
  }
  return entries.sort((a, b) => a.number - b.number);
}

/** Removes the dot that the server doubled at the start of every line beginning with one. */
export function unstuff(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const lineStart = i === 0 || (bytes[i - 1] === LF && bytes[i - 2] === CR);
    if (lineStart && bytes[i] === DOT) continue;
    out[length++] = bytes[i]!;
  }
  return out.subarray(0, length);
}

/**
 * node-pop3 ends a body at its terminator with or without the line end before it, depending
 * on how the answer was split into packets; and a message without a final line end gets one
 * from the server, which LIST does not count. The size that LIST announced tells the true end.
 * Answers undefined when no reading fits it, which means the body was cut or misread.
 */
export function fitToSize(body: Uint8Array, size: number): Uint8Array | undefined {
  const endsWithCrlf = body.at(-2) === CR && body.at(-1) === LF;
  if (body.length === size) return body;
  if (body.length === size + 2 && endsWithCrlf) return body.subarray(0, size);
  if (body.length + 2 === size) {
    const fitted = new Uint8Array(size);
    fitted.set(body);
    fitted.set([CR, LF], body.length);
    return fitted;
  }
  return undefined;
}
