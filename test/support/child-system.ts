import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { signDevelopmentToken } from '@ri/identity-api';
import { generateMasterKey } from '@ri/secrets';
import { freePort } from './free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildSystemOptions {
  namespace: string;
  databaseUrl: string;
  caFile: string;
}

/**
 * The whole system as `pnpm start` runs it, in a process of its own that a test can kill with
 * SIGKILL and start again on the same NATS namespace, database and keys.
 */
export class ChildSystem {
  readonly port: Promise<number> = freePort();
  private readonly env: NodeJS.ProcessEnv;
  private readonly jwtSecret = randomBytes(32).toString('hex');
  private child: ChildProcess | undefined;
  output = '';

  constructor({ namespace, databaseUrl, caFile }: ChildSystemOptions) {
    this.env = {
      ...process.env,
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      SECRETS_MASTER_KEY: generateMasterKey('crash'),
      AUTH_JWT_SECRET: this.jwtSecret,
      MAIL_CA_FILE: caFile,
      ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
  }

  async start(): Promise<void> {
    const port = await this.port;
    // Node itself with tsx's loader, not the tsx command: that one runs Node as a child of its
    // own, which a SIGKILL of the parent would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/all-in-one/src/main.ts'], {
      cwd: ROOT,
      env: { ...this.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => (this.output += String(d)));
    child.stderr?.on('data', (d) => (this.output += String(d)));
    this.child = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`system exited:\n${this.output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`system did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the process at once, as a crash or an OOM kill would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async call(userId: string, method: string, path: string, body?: unknown) {
    const token = await signDevelopmentToken(this.jwtSecret, userId, 3600);
    const res = await fetch(`http://127.0.0.1:${await this.port}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}
