import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { connectNats } from '@ri/event-store';
import { silentLogger } from '@ri/logging';
import { startMailSummary, type RunningMailSummary } from '@ri/mail-summary';
import { deleteNamespace, waitFor } from '../../test/support/system.ts';
import { median } from '../fetch/report.ts';
import {
  compareLibraries,
  parseWithPostalMime,
  servedBytes,
  timed,
  timeLoop,
  type LoopTiming,
} from './libraries.ts';
import { fillMailStream } from './mail-stream.ts';

/**
 * The mail summariser on easy-ham-1 (2,500 messages) from a real mail stream to the summary
 * stream, against postal-mime parsing the same bytes in a bare loop, in the same process,
 * alternating which goes first. Then both candidate libraries bare on three groups.
 * Usage: pnpm bench:summary [--runs 5] [--no-libraries]
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'no-libraries': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

const nc = await connectNats({
  url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  name: 'bench',
});
const messages = servedBytes('easy-ham-1');
const bytes = messages.reduce((sum, m) => sum + m.length, 0);
const stream = await fillMailStream(nc, messages);
console.log(
  `easy-ham-1: ${messages.length} messages, ${(bytes / 1e6).toFixed(1)} MB (CRLF); ` +
    `load average ${loadavg()[0]!.toFixed(2)}`,
);

/** From the service's start until the summary stream holds one summary per message. */
async function timeService(round: number): Promise<LoopTiming> {
  await stream.resetSummaries();
  let service: RunningMailSummary | undefined;
  const timing = await timed(messages.length, async () => {
    service = await startMailSummary({
      js: jetstream(nc),
      jsm: stream.jsm,
      logger: silentLogger(),
      topology: stream.topology,
      consumerName: `bench-${round}`,
    });
    await waitFor(
      () => stream.summaryCount(),
      (count) => count >= messages.length,
      { what: 'every summary stored', intervalMs: 10, timeoutMs: 300_000 },
    );
  });
  await service?.stop();
  if ((await stream.summaryCount()) !== messages.length) {
    throw new Error(`round ${round}: more summaries than messages`);
  }
  return timing;
}

try {
  const service: LoopTiming[] = [];
  const bare: LoopTiming[] = [];
  console.log('round  first    service msg/s  (CPU µs/msg)  bare postal-mime msg/s  (CPU µs/msg)');
  for (let round = 1; round <= runs; round++) {
    const serviceFirst = round % 2 === 1;
    if (serviceFirst) service.push(await timeService(round));
    bare.push(await timeLoop(messages, parseWithPostalMime));
    if (!serviceFirst) service.push(await timeService(round));
    const [sr, br] = [service.at(-1)!, bare.at(-1)!];
    console.log(
      `${String(round).padStart(5)}  ${(serviceFirst ? 'service' : 'bare').padEnd(7)}` +
        `  ${sr.rate.toFixed(0).padStart(13)}  ${sr.cpuUs.toFixed(0).padStart(12)}` +
        `  ${br.rate.toFixed(0).padStart(22)}  ${br.cpuUs.toFixed(0).padStart(12)}`,
    );
  }
  const s = median(service.map((t) => t.rate));
  const b = median(bare.map((t) => t.rate));
  const sCpu = median(service.map((t) => t.cpuUs));
  const bCpu = median(bare.map((t) => t.cpuUs));
  console.log(
    `summary: service ${s.toFixed(0)} msg/s, bare postal-mime ${b.toFixed(0)} msg/s: ` +
      `the service runs at ${((s / b) * 100).toFixed(0)} % of the bare parser; CPU per message ` +
      `${sCpu.toFixed(0)} µs vs ${bCpu.toFixed(0)} µs ` +
      `(medians of ${runs}; load average now ${loadavg()[0]!.toFixed(2)})`,
  );
  if (!values['no-libraries']) await compareLibraries(runs);
} finally {
  await deleteNamespace(nc, stream.topology.namespace);
  await nc.close();
}
