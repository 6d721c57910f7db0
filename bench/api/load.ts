import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** A JSON file of bearer tokens; each request picks one at random, so another user. */
  tokensFile?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const LOAD_PROCESS = fileURLToPath(new URL('./load-process.ts', import.meta.url));

/** Runs autocannon, in a process of its own, against one URL. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', LOAD_PROCESS, JSON.stringify(options)],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`load process failed: ${stderr}`, { cause: err }));
        else resolve(JSON.parse(stdout) as LoadResult);
      },
    );
  });
}
