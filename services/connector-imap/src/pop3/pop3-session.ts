import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { FactWriter } from '../facts.ts';
import { classifyFailure } from '../failure.ts';
import {
  openPassword,
  type MailSession,
  type SessionDeps,
  type SessionOutcome,
  type StopReason,
} from '../mail-session.ts';
import { SessionBase } from '../session-base.ts';
import { connectPop3, type Pop3Client } from './pop3-client.ts';
import { POP3_MAILBOX, syncPop3 } from './pop3-sync.ts';
import type { UidlStore } from './uidl-store.ts';

export interface Pop3SessionDeps extends SessionDeps {
  uidls: UidlStore;
  /** Time between two polls of a POP3 maildrop. */
  pop3PollMs: number;
}

/**
 * One identity's POP3 maildrop, polled: POP3 has no push, and a POP3 session sees the maildrop
 * as it was at login, so every poll is a fresh login, a fetch of what is new, and QUIT. The
 * identity counts as connected from its first login until a poll can no longer log in.
 */
export class Pop3Session extends SessionBase<Pop3SessionDeps> implements MailSession {
  /** The client of the first login, kept for the first poll. */
  private firstClient: Pop3Client | undefined;
  private pollWanted = false;
  private polling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    identity: IdentityState,
    facts: FactWriter,
    deps: Pop3SessionDeps,
    cause: RemoteIdentityEvent,
  ) {
    super(identity, facts, deps, cause, 'pop3');
  }

  async start(): Promise<SessionOutcome> {
    let client: Pop3Client;
    try {
      client = await this.connect();
    } catch (err) {
      return this.failed(err);
    }
    if (this.stopped) {
      await client.quit();
      return { connected: false, transient: false };
    }
    this.firstClient = client;
    return this.reportConnected();
  }

  async stop(reason: StopReason, cause?: RemoteIdentityEvent): Promise<void> {
    this.stopped = true;
    const wasConnected = this.connected;
    this.connected = false;
    clearTimeout(this.timer);
    // A running fetch ends before its next RETR; waiting for it keeps its facts in order.
    this.fetches.stopping(cause);
    await this.polling?.catch(() => undefined);
    await this.firstClient?.quit();
    this.firstClient = undefined;
    if (wasConnected) await this.reportDisconnected(reason, cause);
  }

  protected fetchSoon(): void {
    this.pollWanted = true;
    clearTimeout(this.timer);
    if (!this.polling) this.polling = this.runPolls().finally(() => (this.polling = undefined));
  }

  private async connect(): Promise<Pop3Client> {
    const { params } = this.identity;
    // Checked again at every poll's login, since the name may resolve elsewhere by then; a
    // refused destination never sees the password opened.
    const destination = await this.deps.destinations.resolve(params.incomming_mail_server);
    return connectPop3({
      params,
      destination,
      password: await openPassword(this.identity, this.deps.secrets),
      extraCa: this.deps.extraCa,
      timeoutMs: this.deps.timeoutMs,
    });
  }

  private async runPolls(): Promise<void> {
    while (this.pollWanted && this.connected && !this.fetches.paused) {
      this.pollWanted = false;
      await this.pollOnce();
    }
    if (this.connected) {
      const chosen = this.identity.params.polling_interval;
      const everyMs = chosen === undefined ? this.deps.pop3PollMs : chosen * 1000;
      this.timer = setTimeout(() => this.fetchSoon(), everyMs);
      // A pending poll must not keep a stopping process alive.
      this.timer.unref();
    }
  }

  private async pollOnce(): Promise<void> {
    let client = this.firstClient;
    this.firstClient = undefined;
    if (!client) {
      try {
        client = await this.connect();
      } catch (err) {
        await this.lost(err);
        return;
      }
    }
    const pop = client;
    try {
      await this.fetches.run(
        this.cause,
        POP3_MAILBOX,
        (isCancelled) =>
          syncPop3({
            client: pop,
            identityId: this.identity.remote_identity_id,
            fetchMethod: this.identity.params.fetch_method,
            uidls: this.deps.uidls,
            publisher: this.deps.publisher,
            isCancelled,
          }),
        () => this.stopped,
      );
    } finally {
      await pop.quit();
    }
  }

  /** A poll could not log in: the connection counts as lost, and the connector retries. */
  private async lost(err: unknown): Promise<void> {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    const failure = classifyFailure(err);
    this.logger.warn({ code: failure.code, err: failure.message }, 'connection lost');
    await this.reportDisconnected('lost');
    this.onLost();
  }
}
