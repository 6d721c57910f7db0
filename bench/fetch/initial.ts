import { availableParallelism, loadavg } from 'node:os';
import type { DatasetGroup, DatasetMessage } from '../../test/support/dataset.ts';
import { loadGroup } from '../../test/support/dataset.ts';
import { startTestSystem, type TestSystem } from '../../test/support/system.ts';
import { withMailboxServer } from './mailbox-server.ts';
import { timeMbsyncFetch } from './mbsync-fetch.ts';
import { runProbes } from './probe.ts';
import { printProbes, printReport, type RoundResult, type Side } from './report.ts';
import { timeSystemFetch } from './system-fetch.ts';
import { VerificationError } from './verification-error.ts';

export interface InitialFetchOptions {
  runs: number;
  group: DatasetGroup;
  /** Also times the connector's IMAP and JetStream halves alone. */
  probe: boolean;
  /** Runs the mail summariser beside the fetch, as `pnpm start` does. */
  summary: boolean;
}

/** Initial fetch of a whole INBOX: the system against mbsync, `runs` rounds each. */
export async function runInitialFetch({ runs, group, probe, summary }: InitialFetchOptions) {
  const dataset = loadGroup(group);
  const served = servedBytes(dataset);
  await withMailboxServer(dataset, async (dovecot, workDir) => {
    let system: TestSystem | undefined;
    try {
      system = await startTestSystem({ caFiles: [dovecot.caCertFile], mailSummary: summary });
      console.log(summaryNote(summary));
      const loadBefore = loadavg()[0]!;
      const rounds: RoundResult[] = [];
      for (let round = 1; round <= runs; round++) {
        // Alternating who goes first spreads any drift (caches, GC, JIT) over both sides.
        const first: Side = round % 2 === 1 ? 'system' : 'mbsync';
        const timeSystem = () => timeSystemFetch(system!, dovecot, dataset);
        const timeMbsync = () => timeMbsyncFetch(dovecot, workDir, round, dataset.length);
        const [sys, mbsyncMs] =
          first === 'system'
            ? [await timeSystem(), await timeMbsync()]
            : await timeMbsync().then(async (ms) => [await timeSystem(), ms] as const);
        if (sys.bytes !== served) {
          throw new VerificationError(
            `connector reports ${sys.bytes} bytes, dovecot serves ${served}`,
          );
        }
        const { ms: systemMs, phases, eventLoop, cpu } = sys;
        rounds.push({ round, first, systemMs, mbsyncMs, phases, eventLoop, cpu });
        console.error(
          `round ${round}/${runs}: system ${systemMs.toFixed(0)} ms, ` +
            `mbsync ${mbsyncMs.toFixed(0)} ms`,
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
      if (probe) printProbes(await runProbes(system, dovecot, dataset, runs), rounds);
    } finally {
      await system?.stop();
    }
  });
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

/** Says whether the summariser ran: on two cores it takes CPU from the fetch it follows. */
export function summaryNote(summary: boolean): string {
  return summary
    ? 'mail summariser: running on its own thread, sharing the 2 cores with the fetch'
    : 'mail summariser: left out, as deployed in a pod of its own (--summary runs it too)';
}
