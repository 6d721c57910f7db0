import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A nats-server of a test's own, with JetStream, on 127.0.0.1 only. */
export interface PrivateNatsServer {
  url: string;
  port: number;
  /** JetStream's store; kept across restarts, removed by stop(). */
  storeDir: string;
  /**
   * Stops the server as an operator would (SIGTERM, then waits for it to exit), runs
   * `whileDown` if given, and starts it again on the same port and store.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server and removes its store. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;
/** Servers still running, by their dir; ended if the test process exits without stop(). */
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `nats-server -js` with a store in a fresh temp dir; resolves once it is ready. */
export async function startNatsServer(): Promise<PrivateNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nats-'));
  const storeDir = join(dir, 'store');
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    // A port found free can be taken before the server binds it; pick anew then.
    for (let attempt = 1; !child; attempt++) {
      port = await freePort();
      try {
        child = await launch(port, storeDir, dir);
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS || !/address already in use/i.test(String(err))) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let current: ChildProcess | undefined = child;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async restart(whileDown) {
      if (current) await terminate(current);
      current = undefined;
      await whileDown?.();
      current = await launch(port, storeDir, dir);
    },
    async stop() {
      if (current) await terminate(current);
      current = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns the server and waits for the line it logs once JetStream has recovered its store. */
async function launch(port: number, storeDir: string, dir: string): Promise<ChildProcess> {
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  const child = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not ready in time')), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code ?? signal}`));
    });
    child.once('error', reject);
  });
  try {
    await ready;
    return child;
  } catch (err) {
    await terminate(child);
    throw new Error(`nats-server on port ${port} did not start: ${String(err)}\n${output}`, {
      cause: err,
    });
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  running.delete(child);
}
