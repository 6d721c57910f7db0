import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { loadGroup, type DatasetGroup } from '../../test/support/dataset.ts';
import { median } from '../fetch/report.ts';

const GROUPS: readonly DatasetGroup[] = ['easy-ham-1', 'hard-ham-1', 'spam-2'];
// mailparser renders text and HTML variants by default; the summary needs neither.
const MAILPARSER_OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
} as const;

/** The same bytes as dovecot serves them: CRLF line ends. */
export function servedBytes(group: DatasetGroup): Buffer[] {
  return loadGroup(group).map((m) => Buffer.from(m.text.replace(/\r?\n/g, '\r\n'), 'utf8'));
}

export interface LoopTiming {
  /** Messages per second of wall time. */
  rate: number;
  /** This process's CPU time (user + system) per message, in microseconds: less sensitive
   * than the rate to other work on the machine. */
  cpuUs: number;
}

/** Times `work` from start to end over `count` messages. */
export async function timed(count: number, work: () => Promise<unknown>): Promise<LoopTiming> {
  const cpu = process.cpuUsage();
  const began = performance.now();
  await work();
  const ms = performance.now() - began;
  const used = process.cpuUsage(cpu);
  return { rate: count / (ms / 1000), cpuUs: (used.user + used.system) / count };
}

/** Times one library over every message of a group. */
export function timeLoop(
  messages: readonly Uint8Array[],
  parse: (raw: Uint8Array) => Promise<unknown>,
): Promise<LoopTiming> {
  return timed(messages.length, async () => {
    for (const raw of messages) await parse(raw);
  });
}

export const parseWithPostalMime = (raw: Uint8Array) => PostalMime.parse(raw);
const parseWithMailparser = (raw: Uint8Array) =>
  simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.length), MAILPARSER_OPTIONS);

/**
 * The two candidate parsers, bare, over three corpus groups, alternating which runs first:
 * the measurement behind the summariser's choice of postal-mime.
 */
export async function compareLibraries(runs: number): Promise<void> {
  console.log(`\nlibraries, bare loops, median of ${runs} rounds (msg/s):`);
  console.log('group        messages  postal-mime  mailparser  postal-mime/mailparser');
  for (const group of GROUPS) {
    const messages = servedBytes(group);
    const postal: number[] = [];
    const mailparser: number[] = [];
    for (let round = 0; round < runs; round++) {
      if (round % 2 === 0) {
        postal.push((await timeLoop(messages, parseWithPostalMime)).rate);
        mailparser.push((await timeLoop(messages, parseWithMailparser)).rate);
      } else {
        mailparser.push((await timeLoop(messages, parseWithMailparser)).rate);
        postal.push((await timeLoop(messages, parseWithPostalMime)).rate);
      }
    }
    const [p, m] = [median(postal), median(mailparser)];
    console.log(
      `${group.padEnd(12)} ${String(messages.length).padStart(8)}  ${p.toFixed(0).padStart(11)}` +
        `  ${m.toFixed(0).padStart(10)}  ${(p / m).toFixed(2).padStart(22)}`,
    );
  }
}
