import type { DestinationGuard } from '@ri/destinations';
import { ApiError } from '../problems/api-error.ts';

/** What the write side needs of a `DestinationGuard`. */
export type DestinationCheck = Pick<DestinationGuard, 'permits'>;

/**
 * Refuses a mail server that resolves to an address configuration keeps out of reach, before
 * anything is appended: the user hears of it now rather than from a failed connection. A name
 * that does not resolve passes; the connector checks again at every connection, on the address
 * it then connects to, which is the check that DNS rebinding cannot get around.
 */
export async function refuseDisallowedDestination(
  destinations: DestinationCheck,
  server: string | undefined,
): Promise<void> {
  if (server === undefined || (await destinations.permits(server))) return;
  throw new ApiError(
    'DESTINATION_NOT_ALLOWED',
    'incomming_mail_server resolves to a private, loopback or otherwise internal address.',
  );
}
