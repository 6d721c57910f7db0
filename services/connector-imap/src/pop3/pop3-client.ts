import type { Readable } from 'node:stream';
import { connect as tlsConnect, rootCertificates, type ConnectionOptions } from 'node:tls';
import Pop3Command from 'node-pop3';
import type { CheckedDestination } from '@ri/destinations';
import type { EmailParams } from '@ri/events';
import { fitToSize, joinListings, unstuff, type Pop3Entry } from './pop3-wire.ts';

/** The few POP3 operations a sync needs; the maildrop is never changed (no DELE). */
export interface Pop3Client {
  /** Every message of the maildrop as it was at login, oldest first. */
  list(): Promise<Pop3Entry[]>;
  /** The message's raw bytes, checked against the size that LIST announced. */
  retrieve(entry: Pop3Entry): Promise<Uint8Array>;
  /** Ends the session politely; never throws. */
  quit(): Promise<void>;
}

export interface Pop3ClientOptions {
  params: EmailParams;
  /** Where `params.incomming_mail_server` resolved when it was checked. */
  destination: CheckedDestination;
  password: string;
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  extraCa?: string[];
  /** Deadline for connecting and for each command's answer. */
  timeoutMs: number;
}

/** The implicit-TLS port; every other port must upgrade with STLS. */
const POP3S_PORT = 995;

/** A failure with a code that `classifyFailure` understands. */
function failure(message: string, fields: Record<string, unknown>, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), fields);
}

/**
 * Whether a -ERR to USER or PASS rejects the credentials. RFC 3206 codes tell a locked or
 * failing maildrop apart, and the user can do nothing about those.
 */
export function isCredentialRejection(text: string): boolean {
  return !/\[(IN-USE|SYS\/[A-Z]+)\]/i.test(text);
}

/**
 * Connects and logs in, never in plaintext: implicit TLS on 995, STLS demanded on any other
 * port, certificates always verified (more CAs come through `extraCa`).
 */
export async function connectPop3({
  params,
  destination,
  password,
  extraCa = [],
  timeoutMs,
}: Pop3ClientOptions): Promise<Pop3Client> {
  // The checked address, not the name, so that a second resolution cannot answer otherwise
  // (DNS rebinding); the certificate is verified against the name, given as `servername`.
  const host = destination.address;
  const tls = {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2' as const,
    servername: destination.servername,
    ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
  };
  const implicitTls = params.mail_port === POP3S_PORT;
  const pop = new Pop3Command({
    host,
    port: params.mail_port,
    user: params.login,
    password,
    tls: implicitTls,
    tlsOptions: tls,
  });
  // node-pop3 emits an unsolicited -ERR (an idle server hanging up) as 'error'; unheard, it
  // would crash the process. Commands listen for their own answer separately.
  pop.on('error', () => undefined);
  const client = new NodePop3Client(pop, timeoutMs);
  try {
    await client.guard(pop.connect());
    if (!implicitTls) await client.startTls(host, tls);
    client.watchClose();
    await client.login(params.login, password);
    return client;
  } catch (err) {
    client.destroy();
    throw err;
  }
}

class NodePop3Client implements Pop3Client {
  private closed: Promise<never> | undefined;

  constructor(
    private readonly pop: Pop3Command,
    private readonly timeoutMs: number,
  ) {}

  async startTls(host: string, options: ConnectionOptions): Promise<void> {
    try {
      await this.guard(this.pop.command('STLS'));
    } catch (err) {
      throw failure('the server does not offer STLS', { code: 'STARTTLS_UNAVAILABLE' }, err);
    }
    // LIMITATION: node-pop3 has no STLS; its reader is moved onto a TLS socket wrapped around
    // its plain one, which relies on its `_socket` field and its 'data' listener.
    const plain = this.pop._socket;
    if (!plain) throw failure('connection closed before STLS', { code: 'ECONNRESET' });
    const readers = plain.listeners('data') as ((chunk: Buffer) => void)[];
    plain.removeAllListeners('data');
    const secure = tlsConnect({ ...options, host, socket: plain });
    await this.guard(
      new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      }),
    );
    secure.on('error', () => undefined);
    for (const reader of readers) secure.on('data', reader);
    this.pop._socket = secure;
  }

  /** From here on, a dropped connection fails the command waiting for an answer. */
  watchClose(): void {
    const socket = this.pop._socket;
    this.closed = new Promise<never>((_resolve, reject) => {
      socket?.once('close', () => reject(failure('connection closed', { code: 'ECONNRESET' })));
    });
    this.closed.catch(() => undefined);
  }

  async login(user: string, password: string): Promise<void> {
    for (const [command, arg] of [
      ['USER', user],
      ['PASS', password],
    ] as const) {
      try {
        await this.guard(this.pop.command(command, arg));
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        if ((err as { eventName?: string }).eventName !== 'error' || !('command' in Object(err))) {
          throw err;
        }
        throw failure(text, { authenticationFailed: isCredentialRejection(text) }, err);
      }
    }
  }

  async list(): Promise<Pop3Entry[]> {
    const uidl = await this.readText('UIDL');
    const list = await this.readText('LIST');
    return joinListings(uidl, list);
  }

  async retrieve(entry: Pop3Entry): Promise<Uint8Array> {
    const body = unstuff(await this.read('RETR', entry.number));
    const fitted = fitToSize(body, entry.size);
    if (!fitted) {
      // A misread answer leaves the connection out of step; nothing more can be trusted on it.
      this.destroy();
      const message = `message ${entry.number} read as ${body.length} octets, not ${entry.size}`;
      throw failure(message, { code: 'POP3_SIZE_MISMATCH' });
    }
    return fitted;
  }

  async quit(): Promise<void> {
    try {
      await this.guard(this.pop.command('QUIT'));
    } catch {
      // The session ends either way.
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    this.pop._socket?.destroy();
  }

  private async readText(command: string): Promise<string> {
    return Buffer.from(await this.read(command)).toString('latin1');
  }

  private async read(...args: (string | number)[]): Promise<Uint8Array> {
    return this.guard(
      (async () => {
        const [, stream] = await this.pop.command(...args);
        return collect(stream);
      })(),
    );
  }

  /**
   * node-pop3 waits forever for an answer on a connection that went silent or closed; this
   * fails `work` instead, and closes the connection since its state is then unknown.
   */
  guard<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.destroy();
        reject(failure(`no answer within ${this.timeoutMs} ms`, { code: 'ETIMEDOUT' }));
      }, this.timeoutMs);
    });
    return Promise.race([work, deadline, ...(this.closed ? [this.closed] : [])]).finally(() =>
      clearTimeout(timer),
    );
  }
}

function collect(stream: Readable | null): Promise<Uint8Array> {
  if (!stream) return Promise.reject(failure('no multi-line answer', { code: 'POP3_PROTOCOL' }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => reject(failure('answer cut short', { code: 'ECONNRESET' })));
  });
}
