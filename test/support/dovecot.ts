import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
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
  /** The user's Maildir root (INBOX); owned by MAIL_UID. */
  maildir: string;
  /** Self-signed certificate (CN=localhost, SAN IP:127.0.0.1 and DNS:localhost) to trust. */
  caCertPem: string;
  caCertFile: string;
  dir: string;
  /** Ends dovecot and its children, then removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDovecotOptions {
  /** Working directory; default a fresh mkdtemp under os.tmpdir(). Removed by stop(). */
  dir?: string;
}

/** dovecot refuses to run mail processes as root, so mail belongs to nobody/nogroup. */
export const MAIL_UID = 65534;
export const MAIL_GID = 65534;

const USER = 'alice';
const START_TIMEOUT_MS = 10_000;
const run = promisify(execFile);

/** Starts dovecot in the foreground and resolves once IMAP answers its greeting. */
export async function startDovecot({ dir }: StartDovecotOptions = {}): Promise<DovecotServer> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'dovecot-')));
  await mkdir(root, { recursive: true });
  // The mail process runs as nobody and must traverse into the home below.
  await chmod(root, 0o755);
  const home = join(root, 'home');
  const maildir = join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  for (const path of [home, maildir, ...['cur', 'new', 'tmp'].map((s) => join(maildir, s))]) {
    await chown(path, MAIL_UID, MAIL_GID);
  }

  const caCertFile = join(root, 'cert.pem');
  const keyFile = join(root, 'key.pem');
  await run('openssl', [
    ...['req', '-x509', '-nodes', '-days', '2', '-newkey', 'ec'],
    ...['-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', caCertFile],
    ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
  ]);
  const caCertPem = await readFile(caCertFile, 'utf8');

  const password = randomBytes(12).toString('hex');
  const passwdFile = join(root, 'passwd');
  await writeFile(passwdFile, `${USER}:{PLAIN}${password}:${MAIL_UID}:${MAIL_GID}::${home}::\n`);

  const [imapPort, imapsPort, pop3Port, pop3sPort] = await freePorts(4);
  const ports = { imapPort, imapsPort, pop3Port, pop3sPort };
  const logFile = join(root, 'dovecot.log');
  const confFile = join(root, 'dovecot.conf');
  await writeFile(confFile, renderConfig({ root, logFile, passwdFile, caCertFile, keyFile, ports }));

  const child = spawn('dovecot', ['-c', confFile, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // A test runner that exits without calling stop() must not leave a daemon behind.
  const onExit = (): void => {
    child.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    await killAndWait(child);
    await rm(root, { recursive: true, force: true });
  };

  try {
    await waitForGreeting(imapPort, child);
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '(no log file)');
    await stop();
    throw new Error(`dovecot did not start: ${String(error)}\n${output}\n${log}`, {
      cause: error,
    });
  }

  return {
    host: '127.0.0.1',
    imapPort: imapPort,
    imapsPort: imapsPort,
    pop3Port: pop3Port,
    pop3sPort: pop3sPort,
    user: USER,
    password,
    maildir,
    caCertPem,
    caCertFile,
    dir: root,
    stop,
  };
}

interface ConfigInput {
  root: string;
  logFile: string;
  passwdFile: string;
  caCertFile: string;
  keyFile: string;
  ports: Ports;
}

interface Ports {
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
}

function renderConfig({ root, logFile, passwdFile, caCertFile, keyFile, ports }: ConfigInput) {
  const listener = (name: string, port: number, ssl: boolean): string =>
    `  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${port}\n` +
    `    ssl = ${ssl ? 'yes' : 'no'}\n  }\n`;
  return `# Generated for tests; nothing here is read from /etc/dovecot.
base_dir = ${root}/run
state_dir = ${root}/state
instance_name = dovecot-${ports.imapPort}
log_path = ${logFile}
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <${caCertFile}
ssl_key = <${keyFile}
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
first_valid_uid = ${MAIL_UID}
first_valid_gid = ${MAIL_GID}
# Speed over durability: the data is disposable.
mail_fsync = never
maildir_very_dirty_syncs = yes
mail_max_userip_connections = 200
pop3_uidl_format = %08Xu%08Xv
service imap-login {
${listener('imap', ports.imapPort, false)}${listener('imaps', ports.imapsPort, true)}}
service pop3-login {
${listener('pop3', ports.pop3Port, false)}${listener('pop3s', ports.pop3sPort, true)}}
`;
}

/** Binds port 0 several times at once so that the picked ports are distinct. */
async function freePorts(count: 4): Promise<[number, number, number, number]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports as [number, number, number, number];
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
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // The master normally exits within milliseconds; a hung one must not hang the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
