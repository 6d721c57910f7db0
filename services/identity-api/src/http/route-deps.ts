import type { ReadModelDb } from '@ri/read-model';
import type { Context } from 'hono';
import type { EventMetadata } from '../commands/change-identity.ts';
import type { SecretSealer } from '../commands/create-identity.ts';
import type { DestinationCheck } from '../commands/destination-check.ts';
import type { IdentityLog } from '../commands/identity-log.ts';
import type { LoginReservations } from '../commands/login-reservations.ts';
import type { WaitForPositionOptions } from '../queries/read-model-position.ts';
import type { ApiEnv } from './api-env.ts';

/** What the route handlers share, with every default already applied. */
export interface RouteDeps {
  log: IdentityLog;
  db: ReadModelDb;
  secrets: SecretSealer;
  destinations: DestinationCheck;
  logins: LoginReservations;
  now: () => Date;
  projectionName: string;
  readYourWrites: Omit<WaitForPositionOptions, 'signal'>;
}

export const COLLECTION_PATH = '/v1/remote-identities';
export const IDENTITY_PATH = `${COLLECTION_PATH}/:id`;

export function identityLocation(remoteIdentityId: string): string {
  return `${COLLECTION_PATH}/${remoteIdentityId}`;
}

/** Who appends, when, and under which correlation id: the request's. */
export function eventMetadata(c: Context<ApiEnv>, now: () => Date): EventMetadata {
  return { userId: c.get('userId'), correlationId: c.get('requestId'), now };
}
