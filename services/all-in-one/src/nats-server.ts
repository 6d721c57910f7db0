import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats } from '@ri/event-store';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '@ri/logging';

export interface NatsForDevelopment {
  nc: NatsConnection;
  /** The server this process started, or undefined when one was already listening. */
  child: ChildProcess | undefined;
}

const DEFAULT_URL = 'nats://127.0.0.1:4222';

/**
 * Connects to NATS; on a development machine with nothing listening on the default address,
 * starts `nats-server` with JetStream and its data in `dataDir`. An explicit NATS_URL is never
 * replaced by a local server: an unreachable one is an error to report.
 */
export async function connectOrStartNats(
  url: string | undefined,
  dataDir: string,
  logger: Logger,
): Promise<NatsForDevelopment> {
  const target = url ?? DEFAULT_URL;
  const first = await tryConnect(target);
  if (first) return { nc: first, child: undefined };
  if (url) throw new Error(`cannot reach NATS at NATS_URL=${withoutCredentials(url)}`);
  if (spawnSync('nats-server', ['--version']).error) {
    throw new Error(
      'nothing listens on nats://127.0.0.1:4222 and nats-server is not on the PATH: install it ' +
        '(Debian: apt-get install nats-server) or set NATS_URL to a server with JetStream',
    );
  }
  const storeDir = join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '4222', '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  logger.info({ storeDir, pid: child.pid }, 'started nats-server with JetStream');
  for (let i = 0; i < 100; i += 1) {
    const nc = await tryConnect(target);
    if (nc) return { nc, child };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('nats-server did not start; is port 4222 taken by something else?');
}

async function tryConnect(url: string): Promise<NatsConnection | undefined> {
  try {
    const nc = await connectNats({ url, name: 'remote-identities' });
    return nc;
  } catch {
    return undefined;
  }
}

// A URL may carry a user and password; an error message must not.
function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//***@');
}
