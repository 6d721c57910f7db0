import { setTimeout as delay } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { FactWriter } from './facts.ts';
import { createImapClient } from './imap-client.ts';
import {
  openPassword,
  type MailSession,
  type SessionDeps,
  type SessionOutcome,
  type StopReason,
} from './mail-session.ts';
import { syncMailbox } from './mailbox-sync.ts';
import { SessionBase } from './session-base.ts';

export type { SessionDeps } from './mail-session.ts';

const MAILBOX = 'INBOX';
/** How long a stop waits for a running fetch to end between two messages. */
const STOP_GRACE_MS = 5000;

/**
 * One identity's live IMAP connection: connects, fetches, then keeps watching INBOX (imapflow
 * IDLEs while nothing runs) and fetches again whenever the server reports new mail. Fetches
 * run one at a time; a cancel pauses fetching until the user asks for the connection again.
 */
export class ImapSession extends SessionBase<SessionDeps> implements MailSession {
  private client: ImapFlow | undefined;
  private syncWanted = false;
  private syncing: Promise<void> | undefined;

  constructor(
    identity: IdentityState,
    facts: FactWriter,
    deps: SessionDeps,
    cause: RemoteIdentityEvent,
  ) {
    super(identity, facts, deps, cause, 'imap', MAILBOX);
  }

  async start(): Promise<SessionOutcome> {
    let client: ImapFlow;
    try {
      const { params } = this.identity;
      // The destination first, so that a refused one never sees the password opened.
      const destination = await this.deps.destinations.resolve(params.incomming_mail_server);
      client = createImapClient({
        params,
        destination,
        password: await openPassword(this.identity, this.deps.secrets),
        extraCa: this.deps.extraCa,
        timeoutMs: this.deps.timeoutMs,
        readTimeoutMs: this.deps.readTimeoutMs,
        idleRestartMs: this.deps.idleRestartMs,
      });
      client.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'imap error'));
      await client.connect();
    } catch (err) {
      return this.failed(err);
    }
    if (this.stopped) {
      await client.logout().catch(() => client.close());
      return { connected: false, transient: false };
    }
    this.client = client;
    // Connected before the handlers, so that a close right away counts as a loss.
    this.connected = true;
    client.on('exists', () => this.fetchSoon());
    client.on('close', () => void this.onClose());
    return this.reportConnected();
  }

  async stop(reason: StopReason, cause?: RemoteIdentityEvent): Promise<void> {
    this.stopped = true;
    const wasConnected = this.connected;
    this.connected = false;
    this.fetches.stopping(cause);
    const client = this.client;
    this.client = undefined;
    // Let a running fetch stop between two messages, so that it reports what it published,
    // before the connection goes; a fetch that will not stop is cut off after a grace period.
    const syncing = this.syncing?.catch(() => undefined);
    if (syncing) await Promise.race([syncing, delay(STOP_GRACE_MS)]);
    if (client) await client.logout().catch(() => client.close());
    await syncing;
    if (wasConnected) await this.reportDisconnected(reason, cause);
  }

  protected fetchSoon(): void {
    this.syncWanted = true;
    if (!this.syncing) this.syncing = this.runSyncs().finally(() => (this.syncing = undefined));
  }

  private async runSyncs(): Promise<void> {
    while (this.syncWanted && this.connected && !this.fetches.paused && this.client) {
      this.syncWanted = false;
      const client = this.client;
      const failure = await this.fetches.run(this.cause, (isCancelled, progress) =>
        syncMailbox({
          client,
          identityId: this.identity.remote_identity_id,
          mailbox: MAILBOX,
          fetchMethod: this.identity.params.fetch_method,
          checkpoints: this.deps.checkpoints,
          publisher: this.deps.publisher,
          isCancelled,
          progress,
        }),
      );
      // A mailbox that would not open, or a fetch cut off, is tried again on a fresh
      // connection after the connector's backoff: closing reports the loss (onClose).
      if (failure?.transient) return client.close();
    }
    // imapflow would wait 15 s of quiet before it IDLEs by itself; new mail should not. The
    // next command (a sync on EXISTS) breaks the IDLE.
    if (this.connected && this.client && !this.syncWanted) {
      this.client.idle().catch(() => undefined);
    }
  }

  private async onClose(): Promise<void> {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    this.client = undefined;
    this.logger.warn('connection lost');
    await this.reportDisconnected('lost');
    this.onLost();
  }
}
