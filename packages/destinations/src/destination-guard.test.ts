import { describe, expect, it } from 'vitest';
import {
  DestinationGuard,
  DestinationNotAllowedError,
  type LookupAll,
} from './destination-guard.ts';

function resolvingTo(...addresses: string[]): LookupAll {
  return async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

const notFound: LookupAll = async (hostname) => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

describe('DestinationGuard', () => {
  it('answers the checked address and the hostname as the TLS server name', async () => {
    const guard = new DestinationGuard({ lookup: resolvingTo('93.184.216.34') });
    await expect(guard.resolve('mail.example.com')).resolves.toEqual({
      address: '93.184.216.34',
      servername: 'mail.example.com',
    });
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const guard = new DestinationGuard({ lookup: resolvingTo('93.184.216.34', '10.0.0.1') });
    const refused = guard.resolve('mixed.example.com');
    await expect(refused).rejects.toBeInstanceOf(DestinationNotAllowedError);
    await expect(refused).rejects.toMatchObject({ code: 'DESTINATION_NOT_ALLOWED' });
  });

  it('checks an address literal without resolving it and sends no server name', async () => {
    const guard = new DestinationGuard({ allowed: ['127.0.0.1'], lookup: notFound });
    await expect(guard.resolve('127.0.0.1')).resolves.toEqual({
      address: '127.0.0.1',
      servername: undefined,
    });
    await expect(guard.resolve('[::1]')).rejects.toBeInstanceOf(DestinationNotAllowedError);
  });

  it('passes a lookup failure on with its code at connect time', async () => {
    const guard = new DestinationGuard({ lookup: notFound });
    await expect(guard.resolve('nowhere.invalid')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('gives up on a resolver that does not answer in time', async () => {
    const guard = new DestinationGuard({ lookup: () => new Promise(() => {}), timeoutMs: 20 });
    await expect(guard.resolve('slow.example.com')).rejects.toMatchObject({
      code: 'DNS_TIMEOUT',
    });
  });

  it('permits at write time an unresolvable name and refuses a private one', async () => {
    expect(await new DestinationGuard({ lookup: notFound }).permits('later.example.com')).toBe(
      true,
    );
    const loopback = new DestinationGuard({ lookup: resolvingTo('127.0.0.1') });
    expect(await loopback.permits('localhost')).toBe(false);
    const allowed = new DestinationGuard({ allowed: ['localhost'], lookup: resolvingTo('::1') });
    expect(await allowed.permits('localhost')).toBe(true);
  });

  it('refuses the metadata service behind a name', async () => {
    const guard = new DestinationGuard({ lookup: resolvingTo('169.254.169.254') });
    await expect(guard.resolve('metadata.example.com')).rejects.toMatchObject({
      range: 'metadata',
    });
  });
});
