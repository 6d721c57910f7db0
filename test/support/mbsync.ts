import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DovecotServer } from './dovecot.ts';

export interface MbsyncResult {
  /** Wall time of the mbsync process, from spawn to exit. */
  ms: number;
  /** Message files under targetDir after the run (in cur/ and new/ folders). */
  files: number;
}

/**
 * Pulls the server's INBOX into a Maildir at `targetDir/INBOX` with mbsync, as a baseline for
 * fetch benchmarks. The config is written beside it (`targetDir/mbsyncrc`); the sync state is
 * kept inside the Maildir, so nothing is written to $HOME. Rejects when mbsync exits non-zero.
 */
export async function runMbsync(server: DovecotServer, targetDir: string): Promise<MbsyncResult> {
  await mkdir(targetDir, { recursive: true });
  const rcFile = join(targetDir, 'mbsyncrc');
  await writeFile(rcFile, renderRc(server, targetDir), { mode: 0o600 });

  const started = performance.now();
  const { code, output } = await run('mbsync', ['-c', rcFile, '-a', '-q']);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`mbsync exited with ${code}:\n${output}`);
  return { ms, files: await countMessageFiles(targetDir) };
}

// Written for isync 1.4 (Debian bookworm): it spells the TLS option SSLType (1.5 renamed it
// TLSType and still reads the old name) and the sides Far/Near (1.3 had Master/Slave).
function renderRc(server: DovecotServer, targetDir: string): string {
  // FSync no: the baseline should measure fetching, not the disk's flush latency.
  return `FSync no

IMAPAccount test
Host ${server.host}
Port ${server.imapsPort}
User ${server.user}
Pass ${server.password}
SSLType IMAPS
CertificateFile ${server.caCertFile}
SystemCertificates no

IMAPStore remote
Account test

MaildirStore local
Path ${targetDir}/
Inbox ${targetDir}/INBOX
SubFolders Verbatim

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
Expunge None
Remove None
SyncState *
`;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function countMessageFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'cur' || entry.name === 'new') {
      const files = await readdir(path, { withFileTypes: true });
      count += files.filter((file) => file.isFile()).length;
    } else {
      count += await countMessageFiles(path);
    }
  }
  return count;
}
