import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DovecotServer } from '../../test/support/dovecot.ts';
import { runMbsync } from '../../test/support/mbsync.ts';
import { VerificationError } from './verification-error.ts';

/**
 * Times one mbsync pull of INBOX into an empty Maildir (over IMAPS, certificate verified) and
 * checks that it wrote one file per message. The Maildir is removed afterwards so that runs
 * neither share sync state nor fill the RAM disk.
 */
export async function timeMbsyncFetch(
  dovecot: DovecotServer,
  workDir: string,
  run: number,
  expected: number,
): Promise<number> {
  const target = join(workDir, `mbsync-${run}`);
  try {
    const { ms, files } = await runMbsync(dovecot, target);
    if (files !== expected) {
      throw new VerificationError(
        `mbsync run ${run}: ${files} files written, ${expected} expected`,
      );
    }
    return ms;
  } finally {
    await rm(target, { recursive: true, force: true });
  }
}
