import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

/** A PostgreSQL 15 cluster of a test's own: trust auth, 127.0.0.1 only, user postgres. */
export interface PrivatePostgresServer {
  /** URL of the `postgres` database, to create the test's databases from. */
  url: string;
  port: number;
  /**
   * Stops the cluster as an operator's restart would (`pg_ctl stop -m fast`: sessions are
   * ended, the server shuts down cleanly), runs `whileDown` if given, and starts it again.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the cluster and removes its files. Idempotent. */
  stop(): Promise<void>;
}

const BIN = '/usr/lib/postgresql/15/bin';
const PORT_ATTEMPTS = 3;
const run = promisify(execFile);
/** Clusters still running; stopped if the test process exits without stop(). */
const running = new Set<string>();
process.on('exit', () => {
  for (const dir of running) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', `${BIN}/pg_ctl`, 'stop', '-D', data(dir)]);
    } catch {
      // Nothing more can be done while exiting.
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Creates a cluster with initdb in a fresh temp dir and starts it. PostgreSQL refuses to run as
 * root, so every command runs as the `postgres` OS user. Its socket lives in the same dir, away
 * from the machine's own server.
 */
export async function startPostgresServer(): Promise<PrivatePostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'postgres-'));
  await chown(dir, ...(await postgresIds()));
  let port = 0;
  try {
    await asPostgres('initdb', ['-D', data(dir), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start(dir, port);
        break;
      } catch (err) {
        const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
        if (attempt < PORT_ATTEMPTS && /already in use/i.test(log)) continue;
        throw new Error(`PostgreSQL did not start: ${String(err)}\n${log}`, { cause: err });
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  running.add(dir);
  let up = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(whileDown) {
      await asPostgres('pg_ctl', ['stop', '-D', data(dir), '-m', 'fast', '-w']);
      up = false;
      await whileDown?.();
      await start(dir, port);
      up = true;
    },
    async stop() {
      if (!running.has(dir)) return;
      if (up) await asPostgres('pg_ctl', ['stop', '-D', data(dir), '-m', 'immediate', '-w']);
      running.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function start(dir: string, port: number): Promise<unknown> {
  // Durability is not under test here, and fsync would slow every commit of the test.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`;
  const log = join(dir, 'server.log');
  return asPostgres('pg_ctl', ['start', '-D', data(dir), '-o', options, '-l', log, '-w']);
}

function data(dir: string): string {
  return join(dir, 'data');
}

function asPostgres(command: string, args: string[]): Promise<unknown> {
  return run('runuser', ['-u', 'postgres', '--', `${BIN}/${command}`, ...args]);
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(group.trim())];
}
