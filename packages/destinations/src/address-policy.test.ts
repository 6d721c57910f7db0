import { describe, expect, it } from 'vitest';
import { AddressPolicy, parseAllowedPrivateHosts } from './address-policy.ts';

const closed = new AddressPolicy();

describe('AddressPolicy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'rfc6052'],
  ])('refuses %s as %s by default', (address, range) => {
    expect(closed.check('mail.example.com', address)).toMatchObject({ allowed: false, range });
  });

  it('allows public unicast addresses of either family', () => {
    expect(closed.check('mail.example.com', '93.184.216.34').allowed).toBe(true);
    expect(closed.check('mail.example.com', '2606:2800:220:1::1').allowed).toBe(true);
  });

  it('allows a private address listed alone, in a listed CIDR, or behind a listed hostname', () => {
    const policy = new AddressPolicy(['127.0.0.1', '10.0.0.0/8', 'Mail.Internal.']);
    expect(policy.check('x', '127.0.0.1').allowed).toBe(true);
    expect(policy.check('x', '::ffff:127.0.0.1').allowed).toBe(true);
    expect(policy.check('x', '10.9.8.7').allowed).toBe(true);
    expect(policy.check('mail.internal', '192.168.0.5').allowed).toBe(true);
    expect(policy.check('x', '127.0.0.2').allowed).toBe(false);
    expect(policy.check('x', '192.168.0.5').allowed).toBe(false);
  });

  it('keeps a metadata address closed unless it is listed exactly', () => {
    const wide = new AddressPolicy(['169.254.0.0/16', 'fc00::/7', 'metadata.internal']);
    expect(wide.check('x', '169.254.1.1').allowed).toBe(true);
    expect(wide.check('x', '169.254.169.254').allowed).toBe(false);
    expect(wide.check('metadata.internal', 'fd00:ec2::254').allowed).toBe(false);
    expect(new AddressPolicy(['169.254.169.254']).check('x', '169.254.169.254').allowed).toBe(true);
  });

  it('rejects an entry that is neither hostname, address nor CIDR, naming it', () => {
    expect(() => new AddressPolicy(['not a host!'])).toThrow(/not a host!/);
  });
});

describe('parseAllowedPrivateHosts', () => {
  it('splits on commas and drops blanks', () => {
    expect(parseAllowedPrivateHosts(' 127.0.0.1, ,10.0.0.0/8,mail ')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'mail',
    ]);
    expect(parseAllowedPrivateHosts(undefined)).toEqual([]);
  });
});
