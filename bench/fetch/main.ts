import { parseArgs } from 'node:util';
import type { DatasetGroup } from '../../test/support/dataset.ts';
import { runInitialFetch } from './initial.ts';
import { runLatency } from './latency.ts';
import { runParallelFetch } from './parallel.ts';
import { runRestart } from './restart.ts';
import { VerificationError } from './verification-error.ts';

/**
 * Fetch benchmarks: the whole system (API -> IMAP connector -> JetStream -> projection -> read
 * model) against one private dovecot. `initial` compares a fresh identity's fetch with mbsync;
 * `restart`, `parallel` and `latency` time a restart, 20 identities at once and new mail.
 * Usage: pnpm bench:fetch [--only initial|restart|parallel|latency] [--runs 5]
 *   [--group easy-ham-1] [--probe] [--summary]
 */
const GROUPS: readonly DatasetGroup[] = [
  'easy-ham-1',
  'easy-ham-2',
  'hard-ham-1',
  'spam-1',
  'spam-2',
];
const MEASUREMENTS = ['initial', 'restart', 'parallel', 'latency'] as const;
type Measurement = (typeof MEASUREMENTS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string', default: '5' },
    group: { type: 'string', default: 'easy-ham-1' },
    // Also times the connector's IMAP and JetStream halves alone, to show where fetch time goes.
    probe: { type: 'boolean', default: false },
    // Runs the mail summariser beside the fetch; left out by default, as deployed.
    summary: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
const group = values.group as DatasetGroup;
if (!GROUPS.includes(group)) throw new Error(`--group must be one of ${GROUPS.join(', ')}`);
const only = values.only as Measurement | undefined;
if (only !== undefined && !MEASUREMENTS.includes(only)) {
  throw new Error(`--only must be one of ${MEASUREMENTS.join(', ')}`);
}

const RUNNERS: Record<Measurement, () => Promise<void>> = {
  initial: () => runInitialFetch({ runs, group, probe: values.probe, summary: values.summary }),
  restart: () => runRestart({ runs, group }),
  parallel: () => runParallelFetch({ group, summary: values.summary }),
  latency: () => runLatency(),
};

try {
  for (const name of only ? [only] : MEASUREMENTS) {
    if (!only) console.log(`\n=== ${name} ===`);
    await RUNNERS[name]();
  }
} catch (error) {
  process.exitCode = error instanceof VerificationError ? 2 : 1;
  console.error(
    error instanceof VerificationError ? `VERIFICATION FAILED: ${error.message}` : error,
  );
}
