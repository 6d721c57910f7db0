import type { SystemPhases } from './phases.ts';

export type Side = 'system' | 'mbsync';

export interface RoundResult {
  round: number;
  first: Side;
  systemMs: number;
  mbsyncMs: number;
  phases: SystemPhases;
  eventLoop: number;
  cpu: number;
}

export interface BenchSetup {
  group: string;
  messages: number;
  /** Bytes as dovecot serves them (CRLF line ends), the payload both sides download. */
  bytes: number;
  cores: number;
  imapPort: number;
  imapsPort: number;
  /** 1-minute load average before the first round; other work on the host skews figures. */
  loadBefore: number;
  loadAfter: number;
}

const PHASES = ['request', 'connect', 'start', 'fetch', 'fetchReported', 'project'] as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints every run, the medians and their ratio, the system's phases and a README line. */
export function printReport(setup: BenchSetup, rounds: readonly RoundResult[]): void {
  const systemMs = median(rounds.map((r) => r.systemMs));
  const mbsyncMs = median(rounds.map((r) => r.mbsyncMs));
  const mb = setup.bytes / 1e6;
  const lines = [
    `fetch benchmark: ${setup.group}, ${setup.messages} messages, ${mb.toFixed(2)} MB as served,` +
      ` dovecot on loopback, ${setup.cores} cores`,
    `system: STARTTLS on ${setup.imapPort}; mbsync: IMAPS on ${setup.imapsPort};` +
      ' both encrypted, certificate verified',
    `load average (1 min), before: ${setup.loadBefore.toFixed(2)},` +
      ` after: ${setup.loadAfter.toFixed(2)} (other work on the host skews the figures)`,
    '',
    row(['round', 'first', 'system ms', 'mbsync ms']),
    ...rounds.map((r) => row([r.round, r.first, fixed(r.systemMs), fixed(r.mbsyncMs)])),
    row(['median', '', fixed(systemMs), fixed(mbsyncMs)]),
    '',
    row(['', 'median ms', 'msg/s', 'MB/s']),
    rateRow('system', systemMs, setup.messages, mb),
    rateRow('mbsync', mbsyncMs, setup.messages, mb),
    '',
    `ratio system/mbsync: ${(systemMs / mbsyncMs).toFixed(2)} (${verdict(systemMs, mbsyncMs)})`,
    '',
    'system phases, ms (request: POST..ConnectionRequested, connect: ..Connected,',
    '  start: ..FetchStarted, fetch: ..FetchCompleted, reported: its duration_ms,',
    '  project: FetchCompleted..read model seen by the poll,',
    '  loop %: busy share of the event loop that runs the whole system; cpu %: of one core)',
    row([
      'round',
      'request',
      'connect',
      'start',
      'fetch',
      'reported',
      'project',
      'loop %',
      'cpu %',
    ]),
    ...rounds.map((r) => row([r.round, ...PHASES.map((p) => r.phases[p]), ...load(r)])),
    row([
      'median',
      ...PHASES.map((p) => median(rounds.map((r) => r.phases[p]))),
      percent(median(rounds.map((r) => r.eventLoop))),
      percent(median(rounds.map((r) => r.cpu))),
    ]),
    '',
    `summary: ${summaryLine(setup, rounds.length, systemMs, mbsyncMs)}`,
  ];
  console.log(lines.join('\n'));
}

function summaryLine(setup: BenchSetup, runs: number, systemMs: number, mbsyncMs: number) {
  const mb = setup.bytes / 1e6;
  const side = (ms: number) =>
    `${(ms / 1000).toFixed(2)} s (${rate(setup.messages, ms)} msg/s, ${rate(mb, ms, 1)} MB/s)`;
  return (
    `${setup.group} (${setup.messages} msgs, ${mb.toFixed(1)} MB), loopback TLS,` +
    ` ${setup.cores} cores, median of ${runs}: system ${side(systemMs)} vs mbsync` +
    ` ${side(mbsyncMs)}; ${verdict(systemMs, mbsyncMs)}`
  );
}

function verdict(systemMs: number, mbsyncMs: number): string {
  if (systemMs > mbsyncMs) return `mbsync ${(systemMs / mbsyncMs).toFixed(2)}x faster`;
  return `system ${(mbsyncMs / systemMs).toFixed(2)}x faster`;
}

function rateRow(name: string, ms: number, messages: number, mb: number): string {
  return row([name, fixed(ms), rate(messages, ms), rate(mb, ms, 2)]);
}

function rate(amount: number, ms: number, digits = 0): string {
  return ((amount * 1000) / ms).toFixed(digits);
}

/** Prints the probes' medians beside the system's median fetch phase. */
export function printProbes(probes: Record<string, number>, rounds: readonly RoundResult[]) {
  const fetch = median(rounds.map((r) => r.phases.fetch));
  const lines = ['', `probes, median ms (system fetch phase median: ${fixed(fetch)})`];
  for (const [name, ms] of Object.entries(probes))
    lines.push(`  ${fixed(ms).padStart(8)}  ${name}`);
  console.log(lines.join('\n'));
}

function load(r: RoundResult): string[] {
  return [percent(r.eventLoop), percent(r.cpu)];
}

function percent(share: number): string {
  return (share * 100).toFixed(0);
}

export function fixed(ms: number): string {
  return ms.toFixed(1);
}

export function row(cells: readonly (string | number)[]): string {
  return cells.map((cell, i) => String(cell).padStart(i === 0 ? 6 : 10)).join(' ');
}
