import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDovecot, type DovecotServer } from '../../test/support/dovecot.ts';
import { fillMaildir, warmMailbox, type MaildirMessage } from '../../test/support/maildir.ts';

/**
 * Runs `use` against a private dovecot whose INBOX holds `messages`, indexed before `use` starts,
 * and removes everything afterwards, also on failure. Its work directory is on a RAM disk when
 * there is one, so that the disk does not dominate what is measured.
 */
export async function withMailboxServer<T>(
  messages: readonly MaildirMessage[],
  use: (dovecot: DovecotServer, workDir: string) => Promise<T>,
): Promise<T> {
  const workDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-'));
  // dovecot's auth and mail processes run unprivileged and must traverse into its dir below.
  await chmod(workDir, 0o755);
  let dovecot: DovecotServer | undefined;
  try {
    dovecot = await startDovecot({ dir: join(workDir, 'dovecot') });
    await fillMaildir(dovecot, messages);
    // dovecot indexes the mailbox on first SELECT; without this the first fetch pays for it.
    if (messages.length > 0) await warmMailbox(dovecot);
    return await use(dovecot, workDir);
  } finally {
    await dovecot?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The value below which `share` (0..1) of the values lie, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[rank - 1]!;
}

/** The IMAP params of an identity on the benchmark's dovecot, over STARTTLS. */
export function imapParams(dovecot: DovecotServer, fetchMethod: string) {
  return {
    login: dovecot.user,
    password: dovecot.password,
    mail_protocol: 'IMAP',
    incomming_mail_server: dovecot.host,
    // STARTTLS port: the connector speaks implicit TLS only on 993.
    mail_port: dovecot.imapPort,
    fetch_method: fetchMethod,
  };
}
