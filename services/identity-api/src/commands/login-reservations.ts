import { foldIdentity } from '@ri/events';
import { ApiError } from '../problems/api-error.ts';
import { onLog, type IdentityLog } from './identity-log.ts';
import { loginKey } from './login-key.ts';

/** A reservation as stored: which identity holds the key, since when, at which revision. */
export interface LoginReservation {
  holder: string;
  revision: number;
  createdAt: Date;
}

/**
 * Create-if-absent storage of reservations; a JetStream KV bucket in production. Every write
 * is conditional, so two writers never both believe they hold a key.
 */
export interface LoginKeyStore {
  /** Stores `holder` under `key` unless the key is held; false when it is. */
  create(key: string, holder: string): Promise<boolean>;
  /** The reservation under `key`, or undefined when the key is free. */
  get(key: string): Promise<LoginReservation | undefined>;
  /** Hands the key to `holder` if it is still at `revision`; false when it has moved. */
  replace(key: string, holder: string, revision: number): Promise<boolean>;
  /** Frees the key if it is still at `revision`; does nothing otherwise. */
  remove(key: string, revision: number): Promise<void>;
}

export interface LoginReservationsOptions {
  store: LoginKeyStore;
  log: IdentityLog;
  now?: () => Date;
  /**
   * How long a reservation whose identity does not (or no longer) use the key is still
   * honoured, for the request that is about to append the event that uses it; 10 s by default,
   * twice the JetStream publish timeout.
   */
  graceMs?: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Keeps one identity per user, login, server and port, strongly: the key is reserved in
 * create-if-absent storage before the event that uses it is appended, since the read model is
 * only eventually consistent and two requests at once would both find it free there.
 *
 * A process can stop between reserving and appending, or between appending and releasing. A
 * reservation names its identity, so it is checked against the log whenever it stands in the
 * way: it is free when that identity is deleted, and also, once `graceMs` has passed, when the
 * identity has no events or its params no longer use the key. The grace protects a request
 * that has reserved and not yet appended; a reservation left by a crash blocks that login for
 * at most `graceMs`.
 */
export class LoginReservations {
  private readonly store: LoginKeyStore;
  private readonly log: IdentityLog;
  private readonly now: () => Date;
  private readonly graceMs: number;

  constructor({ store, log, now = () => new Date(), graceMs = 10_000 }: LoginReservationsOptions) {
    this.store = store;
    this.log = log;
    this.now = now;
    this.graceMs = graceMs;
  }

  /** Reserves `key` for the identity, or throws `IDENTITY_DUPLICATE` if another holds it. */
  async claim(key: string, remoteIdentityId: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (await onLog(() => this.store.create(key, remoteIdentityId))) return;
      const held = await onLog(() => this.store.get(key));
      if (!held) continue;
      if (held.holder === remoteIdentityId) return;
      if (!(await this.isAbandoned(key, held))) {
        throw new ApiError(
          'IDENTITY_DUPLICATE',
          'You have registered this login on this server and port already.',
        );
      }
      if (await onLog(() => this.store.replace(key, remoteIdentityId, held.revision))) return;
    }
    throw new ApiError('CONCURRENT_UPDATE', 'The login kept changing hands; try again.');
  }

  /**
   * Frees `key` if the identity still holds it. Never throws: the change that made the key
   * unused is in the log already, and a key left behind is found abandoned when next claimed.
   */
  async release(key: string, remoteIdentityId: string): Promise<void> {
    try {
      const held = await this.store.get(key);
      if (held?.holder === remoteIdentityId) await this.store.remove(key, held.revision);
    } catch {
      // See above: the reservation is abandoned, and `claim` knows how to tell.
    }
  }

  private async isAbandoned(key: string, held: LoginReservation): Promise<boolean> {
    const history = await onLog(() => this.log.read(held.holder));
    const state = foldIdentity(history.map((stored) => stored.event));
    if (state?.deleted) return true;
    if (state && loginKey(state.user_id, state.params) === key) return false;
    return this.now().getTime() - held.createdAt.getTime() > this.graceMs;
  }
}
