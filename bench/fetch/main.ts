import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGroup, type DatasetGroup, type DatasetMessage } from '../../test/support/dataset.ts';
import { startDovecot, type DovecotServer } from '../../test/support/dovecot.ts';
import { fillMaildir, warmMailbox } from '../../test/support/maildir.ts';
import { startTestSystem, type TestSystem } from '../../test/support/system.ts';
import { timeMbsyncFetch } from './mbsync-fetch.ts';
import { runProbes } from './probe.ts';
import { printProbes, printReport, type RoundResult, type Side } from './report.ts';
import { timeSystemFetch } from './system-fetch.ts';
import { VerificationError } from './verification-error.ts';

/**
 * Fetch benchmark: the whole system (API -> IMAP connector -> JetStream -> projection -> read
 * model) against mbsync, both pulling the same INBOX from one private dovecot.
 * Usage: pnpm bench:fetch [--runs 5] [--group easy-ham-1] [--probe]
 */
const GROUPS: readonly DatasetGroup[] = [
  'easy-ham-1',
  'easy-ham-2',
  'hard-ham-1',
  'spam-1',
  'spam-2',
];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    group: { type: 'string', default: 'easy-ham-1' },
    // Also times the connector's IMAP and JetStream halves alone, to show where fetch time goes.
    probe: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
const group = values.group as DatasetGroup;
if (!GROUPS.includes(group)) throw new Error(`--group must be one of ${GROUPS.join(', ')}`);

// A RAM disk keeps dovecot's reads and mbsync's writes from being a disk benchmark.
const workDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-fetch-'));
// dovecot's auth and mail processes run unprivileged and must traverse into its dir below.
await chmod(workDir, 0o755);
let dovecot: DovecotServer | undefined;
let system: TestSystem | undefined;
try {
  const dataset = loadGroup(group);
  const served = servedBytes(dataset);
  dovecot = await startDovecot({ dir: join(workDir, 'dovecot') });
  await fillMaildir(dovecot, dataset);
  // dovecot indexes the mailbox on first SELECT; without this, whoever runs first pays for it.
  await warmMailbox(dovecot);
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });

  const loadBefore = loadavg()[0]!;
  const rounds: RoundResult[] = [];
  for (let round = 1; round <= runs; round++) {
    // Alternating who goes first spreads any drift (caches, GC, JIT) over both sides.
    const first: Side = round % 2 === 1 ? 'system' : 'mbsync';
    const timeSystem = () => timeSystemFetch(system!, dovecot!, dataset);
    const timeMbsync = () => timeMbsyncFetch(dovecot!, workDir, round, dataset.length);
    const [sys, mbsyncMs] =
      first === 'system'
        ? [await timeSystem(), await timeMbsync()]
        : await timeMbsync().then(async (ms) => [await timeSystem(), ms] as const);
    if (sys.bytes !== served) {
      throw new VerificationError(`connector reports ${sys.bytes} bytes, dovecot serves ${served}`);
    }
    const { ms: systemMs, phases, eventLoop, cpu } = sys;
    rounds.push({ round, first, systemMs, mbsyncMs, phases, eventLoop, cpu });
    console.error(
      `round ${round}/${runs}: system ${systemMs.toFixed(0)} ms, mbsync ${mbsyncMs.toFixed(0)} ms`,
    );
  }
  printReport(
    {
      group,
      messages: dataset.length,
      bytes: served,
      cores: availableParallelism(),
      imapPort: dovecot.imapPort,
      imapsPort: dovecot.imapsPort,
      loadBefore,
      loadAfter: loadavg()[0]!,
    },
    rounds,
  );
  if (values.probe) printProbes(await runProbes(system, dovecot, dataset, runs), rounds);
} catch (error) {
  process.exitCode = error instanceof VerificationError ? 2 : 1;
  console.error(
    error instanceof VerificationError ? `VERIFICATION FAILED: ${error.message}` : error,
  );
} finally {
  await system?.stop();
  await dovecot?.stop();
  await rm(workDir, { recursive: true, force: true });
}

/** dovecot serves each bare LF of the Maildir file as CRLF; nothing else changes. */
function servedBytes(dataset: readonly DatasetMessage[]): number {
  let total = 0;
  for (const { text } of dataset) {
    const bytes = Buffer.from(text, 'utf8');
    total += bytes.length;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
      if (i === 0 || bytes[i - 1] !== 0x0d) total += 1;
    }
  }
  return total;
}
