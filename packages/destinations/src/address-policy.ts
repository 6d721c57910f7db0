import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Cloud instance metadata services. They sit inside ranges an operator may well allow (link
 * local, unique local), so a CIDR never unlocks them: only the exact address, listed alone.
 */
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254'].map((a) => ipaddr.parse(a));

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_-]{1,63})*$/;

/** Why an address may not be connected to, or `allowed`. */
export type AddressVerdict =
  { allowed: true } | { allowed: false; range: string; metadata: boolean };

/**
 * Which mail servers may be reached: any public unicast address, and private ones only where
 * the operator lists them (`ALLOWED_PRIVATE_HOSTS`). Everything that is not public unicast by
 * ipaddr.js's classification is private here: loopback, RFC 1918, ULA, link local, CGNAT,
 * unspecified, multicast, broadcast, reserved and documentation ranges, and the IPv6 forms that
 * embed an IPv4 address (NAT64, 6to4, Teredo) since they may lead back to a private one.
 */
export class AddressPolicy {
  private readonly hostnames = new Set<string>();
  private readonly addresses: Address[] = [];
  private readonly networks: [Address, number][] = [];

  /**
   * @param allowed hostnames, IP addresses or CIDRs; a hostname allows whatever it resolves
   * to (metadata addresses excepted). Empty by default: nothing private is reachable.
   * @throws Error naming the first entry that is none of the three.
   */
  constructor(allowed: readonly string[] = []) {
    for (const raw of allowed) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (ipaddr.isValidCIDR(entry)) {
        const [network, bits] = ipaddr.parseCIDR(entry);
        this.networks.push([unmapped(network), unmappedBits(network, bits)]);
      } else if (ipaddr.isValid(entry)) {
        this.addresses.push(unmapped(ipaddr.parse(entry)));
      } else if (HOSTNAME.test(withoutRoot(entry))) {
        this.hostnames.add(withoutRoot(entry));
      } else {
        throw new Error(`${raw} is neither a hostname, an IP address nor a CIDR`);
      }
    }
  }

  /** Whether `address`, which `hostname` resolved to, may be connected to. */
  check(hostname: string, address: string): AddressVerdict {
    const parsed = unmapped(ipaddr.parse(address));
    const exact = this.addresses.some((a) => sameAddress(a, parsed));
    if (METADATA_ADDRESSES.some((m) => sameAddress(m, parsed))) {
      return exact ? { allowed: true } : { allowed: false, range: 'metadata', metadata: true };
    }
    const range = parsed.range();
    if (range === 'unicast' || exact) return { allowed: true };
    if (this.hostnames.has(withoutRoot(hostname.toLowerCase()))) return { allowed: true };
    const inNetwork = this.networks.some(
      ([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits),
    );
    return inNetwork ? { allowed: true } : { allowed: false, range, metadata: false };
  }
}

/** Parses `ALLOWED_PRIVATE_HOSTS`: comma-separated hostnames, addresses or CIDRs. */
export function parseAllowedPrivateHosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

// `::ffff:10.0.0.1` reaches 10.0.0.1; judge it as the IPv4 address it is.
function unmapped(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function unmappedBits(network: Address, bits: number): number {
  return unmapped(network) === network ? bits : Math.max(0, bits - 96);
}

function sameAddress(a: Address, b: Address): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

function withoutRoot(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}
