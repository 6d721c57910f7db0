import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { FactWriter } from './facts.ts';
import { FetchRunner } from './fetch-runner.ts';
import {
  reportConnectionFailed,
  type SessionDeps,
  type SessionOutcome,
  type StopReason,
} from './mail-session.ts';

/**
 * What every protocol's session shares: its logger bound to the identity, its fetch runner,
 * the user's latest request as the cause of what it reports, and the connection facts.
 */
export abstract class SessionBase<Deps extends SessionDeps> {
  protected connected = false;
  protected stopped = false;
  protected cause: RemoteIdentityEvent;
  protected readonly fetches: FetchRunner;
  protected readonly logger: Logger;

  constructor(
    protected readonly identity: IdentityState,
    protected readonly facts: FactWriter,
    protected readonly deps: Deps,
    cause: RemoteIdentityEvent,
    private readonly connector: string,
  ) {
    this.cause = cause;
    this.logger = deps.logger.child({
      remote_identity_id: identity.remote_identity_id,
      correlation_id: cause.correlation_id,
    });
    this.fetches = new FetchRunner({
      facts,
      logger: this.logger,
      fetchMethod: identity.params.fetch_method,
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  onLost: () => void = () => undefined;

  resume(cause: RemoteIdentityEvent): void {
    this.cause = cause;
    this.fetches.resume();
    this.fetchSoon();
  }

  pauseFetching(): void {
    this.fetches.pause();
  }

  cancelFetch(cause: RemoteIdentityEvent): Promise<void> {
    return this.fetches.cancel(cause);
  }

  /** Starts a fetch unless one is running, in which case another follows it. */
  protected abstract fetchSoon(): void;

  protected async failed(err: unknown): Promise<SessionOutcome> {
    const failure = await reportConnectionFailed(
      this.facts,
      this.logger,
      this.connector,
      err,
      this.cause,
    );
    return { connected: false, transient: failure.transient };
  }

  protected async reportConnected(): Promise<SessionOutcome> {
    const { params } = this.identity;
    this.connected = true;
    await this.facts.append(
      'Connected',
      { connector: this.connector, server: params.incomming_mail_server, port: params.mail_port },
      this.cause,
    );
    this.logger.info('connected');
    this.fetchSoon();
    return { connected: true, transient: false };
  }

  protected async reportDisconnected(
    reason: StopReason | 'lost',
    cause: RemoteIdentityEvent = this.cause,
  ): Promise<void> {
    if (reason === 'shutdown') return;
    await this.facts.append('Disconnected', { connector: this.connector, reason }, cause);
  }
}
