import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A private dovecot instance listening on 127.0.0.1 only, with one user. */
export interface DovecotServer {
  host: '127.0.0.1';
  /** Plain IMAP; STARTTLS is offered and plaintext login is allowed. */
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  user: string;
  password: string;
  /** The user's Maildir root (INBOX), owned by MAIL_UID. */
  maildir: string;
  /** Self-signed certificate (CN=localhost, SAN IP:127.0.0.1 and DNS:localhost) to trust. */
  caCertPem: string;
  caCertFile: string;
  dir: string;
  /** Ends dovecot and its children (takes about 1 s), then removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartDovecotOptions {
  /** Working directory; default a fresh mkdtemp under os.tmpdir(). Removed by stop(). */
  dir?: string;
}

/** dovecot refuses to run mail processes as root, so mail belongs to nobody/nogroup. */
export const MAIL_UID = 65534;
export const MAIL_GID = 65534;

type Ports = Pick<DovecotServer, 'imapPort' | 'imapsPort' | 'pop3Port' | 'pop3sPort'>;

const USER = 'alice';
const START_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;
const run = promisify(execFile);
/** Dovecots still running, by their dir; cleaned up if the process exits without stop(). */
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, root] of running) {
    child.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * Starts dovecot in the foreground (`dovecot -F`) with a config of its own, nothing read from
 * /etc/dovecot, and resolves once IMAP answers its greeting. Instances are independent.
 * On failure the error carries dovecot's output and log.
 */
export async function startDovecot({ dir }: StartDovecotOptions = {}): Promise<DovecotServer> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'dovecot-')));
  try {
    const { maildir, password, caCertPem } = await prepare(root);
    // A port found free can be taken by someone else before dovecot binds it; pick anew then.
    for (let attempt = 1; ; attempt++) {
      const ports = await freePorts();
      await writeFile(join(root, 'dovecot.conf'), renderConfig(root, ports));
      const child = spawn('dovecot', ['-c', join(root, 'dovecot.conf'), '-F'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.set(child, root);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        await waitForGreeting(ports.imapPort, child);
      } catch (error) {
        await killAndWait(child);
        const log = await readFile(join(root, 'dovecot.log'), 'utf8').catch(() => '');
        if (attempt < PORT_ATTEMPTS && /Address already in use/.test(output + log)) continue;
        throw new Error(`dovecot did not start: ${String(error)}\n${output}\n${log}`, {
          cause: error,
        });
      }
      const stop = async (): Promise<void> => {
        await killAndWait(child);
        await rm(root, { recursive: true, force: true });
      };
      const files = { caCertFile: join(root, 'cert.pem'), maildir, dir: root };
      return { host: '127.0.0.1', ...ports, user: USER, password, caCertPem, ...files, stop };
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** Writes the Maildir, the certificate and the passwd file that the config refers to. */
async function prepare(root: string) {
  await mkdir(root, { recursive: true });
  // The mail process runs as nobody and must traverse into the home below.
  await chmod(root, 0o755);
  const home = join(root, 'home');
  const maildir = join(home, 'Maildir');
  for (const path of [home, maildir, ...['cur', 'new', 'tmp'].map((s) => join(maildir, s))]) {
    await mkdir(path, { recursive: true });
    await chown(path, MAIL_UID, MAIL_GID);
  }
  await run('openssl', [
    ...['req', '-x509', '-nodes', '-days', '2', '-newkey', 'ec', '-pkeyopt'],
    ...['ec_paramgen_curve:prime256v1', '-keyout', join(root, 'key.pem')],
    ...['-out', join(root, 'cert.pem'), '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    // isync 1.4 pins a non-CA certificate from CertificateFile as it is, but checks a CA one
    // against Host by DNS name only, which fails for 127.0.0.1; Node trusts either kind.
    ...['-addext', 'basicConstraints=critical,CA:FALSE'],
  ]);
  const password = randomBytes(12).toString('hex');
  const passwd = `${USER}:{PLAIN}${password}:${MAIL_UID}:${MAIL_GID}::${home}::\n`;
  // Readable by all: dovecot's auth process runs as the dovecot user, not root.
  await writeFile(join(root, 'passwd'), passwd);
  return { maildir, password, caCertPem: await readFile(join(root, 'cert.pem'), 'utf8') };
}

function renderConfig(root: string, ports: Ports): string {
  const listener = (name: string, port: number, ssl: boolean): string =>
    `  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${port}\n` +
    `    ssl = ${ssl ? 'yes' : 'no'}\n  }\n`;
  const passwdFile = join(root, 'passwd');
  return `base_dir = ${root}/run
state_dir = ${root}/state
instance_name = dovecot-${ports.imapPort}
log_path = ${root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <${root}/cert.pem
ssl_key = <${root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwdFile}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${passwdFile}
}
mail_location = maildir:~/Maildir
# Folders a client finds by their special use (RFC 6154), created only when a test asks.
namespace inbox {
  inbox = yes
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Sent {
    special_use = \\Sent
  }
}
first_valid_uid = ${MAIL_UID}
# Speed over durability: the data is disposable.
mail_fsync = never
maildir_very_dirty_syncs = yes
# Tests and benchmarks open many parallel sessions from one address.
mail_max_userip_connections = 200
service imap-login {
${listener('imap', ports.imapPort, false)}${listener('imaps', ports.imapsPort, true)}}
service pop3-login {
${listener('pop3', ports.pop3Port, false)}${listener('pop3s', ports.pop3sPort, true)}}
`;
}

/** Holds all four sockets open together so that the kernel hands out distinct ports. */
async function freePorts(): Promise<Ports> {
  const servers = Array.from({ length: 4 }, () => createServer());
  const [imapPort = 0, imapsPort = 0, pop3Port = 0, pop3sPort = 0] = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return { imapPort, imapsPort, pop3Port, pop3sPort };
}

async function waitForGreeting(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dovecot exited with ${child.exitCode ?? child.signalCode}`);
    }
    if (await readsGreeting(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no IMAP greeting on port ${port} within ${START_TIMEOUT_MS} ms`);
}

function readsGreeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) done(text.startsWith('* OK'));
    });
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // The master waits about a second for its children; a hung one must not hang the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
