import { chownSync, utimesSync, writeFileSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { MAIL_GID, MAIL_UID, type DovecotServer } from './dovecot.ts';

export interface MaildirMessage {
  text: string;
}

const YIELD_EVERY = 100;
/** Next file-name timestamp, shared by all calls so that a later call always sorts later. */
let nextSecond = Math.floor(Date.now() / 1000) - 100_000_000;

/**
 * Writes messages straight into the user's Maildir as unseen mail in `cur/`, bypassing IMAP.
 * dovecot assigns UIDs by file name on its next sync, so the names carry increasing timestamps
 * and message i gets a lower UID than message i + 1, also across successive calls.
 * Each text is written as UTF-8 unchanged (LF endings); dovecot adds the CRs when serving.
 * `folder` is an IMAP name below INBOX in dovecot's Maildir++ layout (default INBOX).
 */
export async function fillMaildir(
  server: DovecotServer,
  messages: readonly MaildirMessage[],
  folder = 'INBOX',
): Promise<void> {
  const cur = await ensureFolder(server, folder);
  const base = nextSecond;
  nextSecond += messages.length;
  for (let index = 0; index < messages.length; index++) {
    const bytes = Buffer.from(messages[index]!.text, 'utf8');
    const seconds = base + index;
    const sizes = `S=${bytes.length},W=${bytes.length + countBareLf(bytes)}`;
    const path = join(cur, `${seconds}.M0P${process.pid}Q${index}.test,${sizes}:2,`);
    writeFileSync(path, bytes);
    chownSync(path, MAIL_UID, MAIL_GID);
    // dovecot reports the mtime as INTERNALDATE; keep it in the same order as the names.
    utimesSync(path, seconds, seconds);
    // Synchronous calls are several times faster than the thread pool on tmpfs; yielding now
    // and then keeps the event loop (timers, other connections) responsive.
    if (index % YIELD_EVERY === YIELD_EVERY - 1) await new Promise(setImmediate);
  }
}

/**
 * dovecot serves each LF not preceded by CR as CRLF, so this is the served size minus the file
 * size. With it in the name (W=) dovecot answers RFC822.SIZE without reading the file.
 */
function countBareLf(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
    if (i === 0 || bytes[i - 1] !== 0x0d) count++;
  }
  return count;
}

async function ensureFolder(server: DovecotServer, folder: string): Promise<string> {
  if (folder === 'INBOX') return join(server.maildir, 'cur');
  if (!/^[\x20-\x7e]+$/.test(folder) || folder.includes('/')) {
    // LIMITATION: no modified UTF-7 encoding; such folders must be created over IMAP instead.
    throw new Error(`fillMaildir: unsupported folder name ${JSON.stringify(folder)}`);
  }
  const root = join(server.maildir, `.${folder}`);
  for (const path of [root, ...['cur', 'new', 'tmp'].map((sub) => join(root, sub))]) {
    await mkdir(path, { recursive: true });
    await chown(path, MAIL_UID, MAIL_GID);
  }
  // Marks the directory as a Maildir++ folder for other Maildir readers.
  await writeFile(join(root, 'maildirfolder'), '');
  await chown(join(root, 'maildirfolder'), MAIL_UID, MAIL_GID);
  return join(root, 'cur');
}

/** An imapflow client over IMAPS that verifies the server against the test certificate. */
export function imapClient(server: DovecotServer): ImapFlow {
  return new ImapFlow({
    host: server.host,
    port: server.imapsPort,
    secure: true,
    tls: { ca: [server.caCertPem] },
    auth: { user: server.user, pass: server.password },
    logger: false,
  });
}

/** Runs `use` on a logged-in IMAPS client of `server`, and logs out afterwards. */
export async function withImapClient<T>(
  server: DovecotServer,
  use: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = imapClient(server);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.logout();
  }
}

/** Appends over IMAPS and returns the UID dovecot assigned (via UIDPLUS). */
export async function appendMessage(
  server: DovecotServer,
  text: string,
  folder = 'INBOX',
): Promise<number> {
  return withImapClient(server, async (client) => {
    const result = await client.append(folder, text);
    if (!result || result.uid === undefined) {
      throw new Error(`APPEND to ${folder} returned no UID`);
    }
    return result.uid;
  });
}

/** Logs in and SELECTs INBOX once so that dovecot builds its index before anything is timed. */
export async function warmMailbox(server: DovecotServer): Promise<void> {
  await withImapClient(server, (client) => client.mailboxOpen('INBOX'));
}
