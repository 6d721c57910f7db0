import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { DestinationGuard } from '@ri/destinations';
import type { IdentityKeyring } from '@ri/secrets';
import type { CheckpointStore } from './checkpoints.ts';
import type { FactWriter } from './facts.ts';
import { classifyFailure, userActionFor, type ClassifiedFailure } from './failure.ts';
import type { MailPublisher } from './mail-publisher.ts';

export interface SessionDeps {
  /** Opens the identity's password just before login, with its data key. */
  secrets: IdentityKeyring;
  /** Resolves and checks the mail server; the connection goes to the address it checked. */
  destinations: DestinationGuard;
  checkpoints: CheckpointStore;
  publisher: MailPublisher;
  logger: Logger;
  extraCa: string[];
  /** Deadline to connect and get the greeting. */
  timeoutMs: number;
  /** IMAP only: see ImapClientOptions. */
  readTimeoutMs?: number;
  idleRestartMs?: number;
}

export interface SessionOutcome {
  connected: boolean;
  /** Whether trying again later may help without the user changing anything. */
  transient: boolean;
}

export type StopReason = 'requested' | 'deleted' | 'shutdown';

/**
 * One identity's live connection to its mail server, whatever the protocol. The connector
 * drives every kind through this contract and never looks inside.
 */
export interface MailSession {
  readonly isConnected: boolean;
  /** Called once when an established connection drops without being asked to. */
  onLost: () => void;
  /** Connects, reports the outcome as a fact, and starts fetching on success. */
  start(): Promise<SessionOutcome>;
  /** The user asked for the connection again: fetch now, and resume after a cancel. */
  resume(cause: RemoteIdentityEvent): void;
  /** Fetches nothing until `resume`: for a session restored while a cancel holds. */
  pauseFetching(): void;
  /** Stops the running fetch between two messages, and pauses fetching. */
  cancelFetch(cause: RemoteIdentityEvent): Promise<void>;
  stop(reason: StopReason, cause?: RemoteIdentityEvent): Promise<void>;
}

/**
 * The identity's password, opened from its sealed form; fails as NO_SECRET without one, and
 * as SECRET_UNAVAILABLE once the identity's data key is shredded.
 */
export async function openPassword(
  identity: IdentityState,
  secrets: IdentityKeyring,
): Promise<string> {
  const sealed = identity.secrets.password;
  if (!sealed) throw Object.assign(new Error('no password'), { code: 'NO_SECRET' });
  return secrets.openFor(identity.remote_identity_id, sealed, 'password');
}

/** Appends the ConnectionFailed fact for `err` and answers how it was classified. */
export async function reportConnectionFailed(
  facts: FactWriter,
  logger: Logger,
  connector: string,
  err: unknown,
  cause: RemoteIdentityEvent,
): Promise<ClassifiedFailure> {
  const failure = classifyFailure(err);
  logger.info({ code: failure.code }, 'connection failed');
  await facts.append(
    'ConnectionFailed',
    {
      connector,
      code: failure.code,
      message: failure.message,
      user_action: userActionFor(failure),
    },
    cause,
  );
  return failure;
}
