import { connect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * `bytes` relays TCP as it comes (TLS runs end to end, the proxy sees no command). `imap`
 * answers the client's STARTTLS itself with `tls`, then relays plain IMAP to the target port,
 * so that it can see commands and responses and answer some of them in the server's place.
 */
export type ChaosLayer = 'bytes' | 'imap';

export interface ChaosProxyOptions {
  /** The port on 127.0.0.1 to relay to: for `imap`, one where plaintext login is allowed. */
  target: number;
  layer?: ChaosLayer;
  /** PEM certificate and key the proxy shows the client after STARTTLS (`imap` only). */
  tls?: { cert: string; key: string };
  /** The port to listen on, 127.0.0.1 only; default any free one. */
  port?: number;
}

/** What happens to the connection that carries the chosen FETCH response. */
export type FetchFault = 'close' | 'blackhole';

interface Link {
  client: Socket;
  upstream: Socket;
  /** Client bytes not yet split into lines (`imap` only), as latin1 to keep bytes as they are. */
  pending: string;
  /** The end of the last response chunk, to find a FETCH split across two chunks. */
  tail: string;
  /** Bytes were dropped: the stream is broken, and the link is closed when healing. */
  tainted: boolean;
}

const FETCH_START = /\r\n\* \d+ FETCH \(/g;
/** Bytes of the chosen FETCH response still delivered before the fault strikes. */
const FETCH_BYTES_BEFORE_FAULT = 48;

/**
 * A TCP proxy on 127.0.0.1 in front of a test server, that misbehaves on request: it stops
 * answering, closes connections, refuses new ones, cuts a FETCH response in two, or answers
 * SELECT of a mailbox with a tagged NO. `pass()` heals it. Every socket error is absorbed: a
 * misbehaving network must not crash the test either.
 */
export class ChaosProxy {
  readonly host = '127.0.0.1';
  /** Connections accepted since the start. */
  accepted = 0;
  /** When the last FETCH fault struck (Date.now()). */
  struckAt: number | undefined;
  private blackholed = false;
  /** Bytes per second the server may send through, when slowed down. */
  private rate: number | undefined;
  private failingSelect: RegExp | undefined;
  private fetchFault: { remaining: number; then: FetchFault } | undefined;
  private readonly links = new Set<Link>();
  private readonly commands = new Map<string, number>();
  private listening = true;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: Required<Pick<ChaosProxyOptions, 'target' | 'layer'>> &
      ChaosProxyOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start({ layer = 'bytes', ...rest }: ChaosProxyOptions): Promise<ChaosProxy> {
    if (layer === 'imap' && !rest.tls) throw new Error('the imap layer needs a certificate');
    const server = createServer();
    const port = await listen(server, rest.port ?? 0);
    return new ChaosProxy(server, port, { layer, ...rest });
  }

  /** Heals every fault: relays again, accepts again, and closes the links that lost bytes. */
  async pass(): Promise<void> {
    this.blackholed = false;
    this.rate = undefined;
    this.failingSelect = undefined;
    this.fetchFault = undefined;
    for (const link of this.links) if (link.tainted) this.drop(link);
    if (!this.listening) {
      await listen(this.server, this.port);
      this.listening = true;
    }
  }

  /** Lets the server's data through at `bytesPerSecond`, as a slow link or server would. */
  throttle(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
  }

  /** Keeps every connection, old and new, open but relays nothing either way. */
  blackhole(): void {
    this.blackholed = true;
  }

  /** Closes every open connection at once, as a server that goes away does. */
  closeAll(): void {
    for (const link of this.links) this.drop(link);
  }

  /** Stops listening, so that new connections are refused; open ones go on. */
  async refuse(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers SELECT and EXAMINE of `mailbox` with a tagged NO (`imap` only). */
  failSelect(mailbox = 'INBOX'): void {
    this.requireImap();
    const name = mailbox.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.failingSelect = new RegExp(`^(\\S+) (SELECT|EXAMINE) "?${name}"?( |\\r\\n)`, 'i');
  }

  /**
   * Strikes inside the `after`-th FETCH response from now, whatever the connection: `close`
   * cuts that connection, `blackhole` silences it and every other one until `pass()`.
   */
  faultInFetch({ after = 1, then }: { after?: number; then: FetchFault }): void {
    this.requireImap();
    this.fetchFault = { remaining: after, then };
  }

  get openConnections(): number {
    return this.links.size;
  }

  /** How many commands named `name` (IDLE, SELECT ...) clients sent (`imap` only). */
  seen(name: string): number {
    return this.commands.get(name.toUpperCase()) ?? 0;
  }

  async stop(): Promise<void> {
    this.closeAll();
    if (this.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.listening = false;
  }

  private requireImap(): void {
    if (this.options.layer !== 'imap') throw new Error('a command fault needs the imap layer');
  }

  private accept(socket: Socket): void {
    this.accepted += 1;
    const upstream = connect({ host: '127.0.0.1', port: this.options.target });
    const link: Link = { client: socket, upstream, pending: '', tail: '', tainted: false };
    this.links.add(link);
    for (const side of [socket, upstream]) {
      side.on('error', () => this.drop(link));
      side.on('close', () => this.drop(link));
    }
    upstream.on('data', (chunk: Buffer) => this.fromServer(link, chunk));
    this.readClient(link, socket);
  }

  private readClient(link: Link, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.blackholed) {
        link.tainted = true;
        return;
      }
      if (this.options.layer === 'bytes') {
        link.upstream.write(chunk);
        return;
      }
      link.pending += chunk.toString('latin1');
      for (let end = link.pending.indexOf('\r\n'); end !== -1; end = link.pending.indexOf('\r\n')) {
        const line = link.pending.slice(0, end + 2);
        link.pending = link.pending.slice(end + 2);
        if (this.command(link, line) === 'upgraded') return;
      }
    });
  }

  /** Handles one client line of the `imap` layer; answers whether TLS now reads the rest. */
  private command(link: Link, line: string): 'relayed' | 'answered' | 'upgraded' {
    const name = /^\S+ ([A-Za-z]+)/.exec(line)?.[1]?.toUpperCase();
    if (name) this.commands.set(name, (this.commands.get(name) ?? 0) + 1);
    const starttls = /^(\S+) STARTTLS\r\n$/i.exec(line);
    if (starttls && !(link.client instanceof TLSSocket)) {
      const plain = link.client;
      plain.removeAllListeners('data');
      // Paused until the answer is out, so that the client's hello waits for the TLS socket.
      plain.pause();
      plain.write(`${starttls[1]} OK Begin TLS negotiation now\r\n`, () => {
        const secure = new TLSSocket(plain, { isServer: true, ...this.options.tls });
        secure.on('error', () => this.drop(link));
        link.client = secure;
        this.readClient(link, secure);
      });
      return 'upgraded';
    }
    const select = this.failingSelect?.exec(line);
    if (select) {
      link.client.write(`${select[1]} NO [UNAVAILABLE] Mailbox is unavailable (chaos proxy)\r\n`);
      return 'answered';
    }
    link.upstream.write(Buffer.from(line, 'latin1'));
    return 'relayed';
  }

  private fromServer(link: Link, chunk: Buffer): void {
    if (this.blackholed) {
      link.tainted = true;
      return;
    }
    const fault = this.fetchFault;
    if (fault && this.options.layer === 'imap') {
      const text = link.tail + chunk.toString('latin1');
      for (const match of text.matchAll(FETCH_START)) {
        const end = match.index + match[0].length;
        if (end <= link.tail.length || --fault.remaining > 0) continue;
        this.fetchFault = undefined;
        this.struckAt = Date.now();
        const cut = Math.min(chunk.length, end - link.tail.length + FETCH_BYTES_BEFORE_FAULT);
        link.client.write(chunk.subarray(0, cut));
        if (fault.then === 'close') this.drop(link);
        else this.blackhole();
        link.tainted = true;
        return;
      }
      link.tail = text.slice(-32);
    }
    link.client.write(chunk);
    if (this.rate) {
      // Hold the server back for as long as the chunk would take at that rate.
      link.upstream.pause();
      setTimeout(() => link.upstream.resume(), (chunk.length / this.rate) * 1000);
    }
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
