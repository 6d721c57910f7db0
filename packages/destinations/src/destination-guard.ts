import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressPolicy } from './address-policy.ts';

/** Resolves a hostname to every address it has, as `dns.lookup` with `all` does. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Raised when a mail server resolves to an address that configuration does not allow. */
export class DestinationNotAllowedError extends Error {
  readonly code = 'DESTINATION_NOT_ALLOWED';
  constructor(
    readonly hostname: string,
    readonly range: string,
  ) {
    super(`${hostname} resolves to a ${range} address, which is not allowed`);
    this.name = 'DestinationNotAllowedError';
  }
}

/** Where to open the connection: the checked address, and the name TLS verifies. */
export interface CheckedDestination {
  /** The address that was checked; connect to it, not to the hostname, to beat rebinding. */
  address: string;
  /** SNI and certificate name: the hostname, or undefined when it was an address already. */
  servername: string | undefined;
}

export interface DestinationGuardOptions {
  /** `ALLOWED_PRIVATE_HOSTS` entries; none by default, so nothing private is reachable. */
  allowed?: readonly string[];
  /** The resolver; the system's (`getaddrinfo`, which honours /etc/hosts) by default. */
  lookup?: LookupAll;
  /** How long a resolution may take; 3 s by default. */
  timeoutMs?: number;
}

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Keeps the mail connections away from internal networks (SSRF): a user names the server, so
 * without this a user could make the connector probe the cluster, a cloud metadata service or
 * localhost. Every address a name resolves to must be allowed, so that a name with one public
 * and one private address cannot slip through.
 */
export class DestinationGuard {
  private readonly policy: AddressPolicy;
  private readonly lookup: LookupAll;
  private readonly timeoutMs: number;

  constructor({ allowed = [], lookup = systemLookup, timeoutMs = 3000 }: DestinationGuardOptions) {
    this.policy = new AddressPolicy(allowed);
    this.lookup = lookup;
    this.timeoutMs = timeoutMs;
  }

  /**
   * At connect time: resolves, checks every address, and answers the first one to connect
   * to. A lookup failure is rethrown with its code (`ENOTFOUND`, `EAI_AGAIN`, `DNS_TIMEOUT`).
   *
   * LIMITATION: only the first address is tried; a server whose first address is down is not
   * reached through its others.
   * @throws DestinationNotAllowedError when any address is not allowed.
   */
  async resolve(hostname: string): Promise<CheckedDestination> {
    const addresses = await this.addressesOf(hostname);
    for (const address of addresses) {
      const verdict = this.policy.check(hostname, address);
      if (!verdict.allowed) throw new DestinationNotAllowedError(hostname, verdict.range);
    }
    const [first] = addresses;
    if (!first) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    return { address: first, servername: isIP(unbracketed(hostname)) ? undefined : hostname };
  }

  /**
   * At write time: false only when the name resolves to an address that is not allowed. A name
   * that does not resolve (yet) is accepted; the connection then fails as HOST_NOT_FOUND, and
   * the connect-time check still applies to whatever it resolves to later.
   */
  async permits(hostname: string): Promise<boolean> {
    let addresses: string[];
    try {
      addresses = await this.addressesOf(hostname);
    } catch {
      return true;
    }
    return addresses.every((address) => this.policy.check(hostname, address).allowed);
  }

  private async addressesOf(hostname: string): Promise<string[]> {
    const literal = unbracketed(hostname);
    if (isIP(literal)) return [literal];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const message = `${hostname} did not resolve within ${this.timeoutMs} ms`;
        reject(Object.assign(new Error(message), { code: 'DNS_TIMEOUT' }));
      }, this.timeoutMs);
    });
    try {
      // The system resolver cannot be cancelled; past the deadline its answer is ignored.
      const found = await Promise.race([this.lookup(hostname), deadline]);
      return found.map((entry) => entry.address);
    } finally {
      clearTimeout(timer);
    }
  }
}

// An IPv6 literal may come in the brackets of a URL.
function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
