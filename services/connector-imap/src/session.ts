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
import { classifyFailure, type ClassifiedFailure } from './failure.ts';
import { FolderPoller } from './folder-poller.ts';
import { MailboxTotals } from './mailbox-totals.ts';
import { syncMailbox } from './mailbox-sync.ts';
import type { PublishedContent } from './published-content.ts';
import { SessionBase } from './session-base.ts';

export interface ImapSessionDeps extends SessionDeps {
  /** What mailboxes published before, for one whose UIDVALIDITY changed. */
  published: PublishedContent;
  /** Time between two polls of the folders other than INBOX, unless the identity sets one. */
  folderPollMs: number;
}

const INBOX = 'INBOX';
/** How long a stop waits for a running fetch to end between two messages. */
const STOP_GRACE_MS = 5000;

/**
 * One identity's live IMAP connections. The first watches INBOX: it fetches, then IDLEs, and
 * fetches again whenever the server reports new mail. The second, a FolderPoller, goes through
 * the other folders at the polling interval, so that neither holds up the other. Fetches of
 * one mailbox run one at a time; a cancel pauses all fetching until the user asks for the
 * connection again. The identity reports one total across its mailboxes.
 */
export class ImapSession extends SessionBase<ImapSessionDeps> implements MailSession {
  private client: ImapFlow | undefined;
  private syncWanted = false;
  private syncing: Promise<void> | undefined;
  private folders: FolderPoller | undefined;
  private totals = new MailboxTotals();
  /** Mailboxes whose first sync on this connection looked for unconfirmed publications. */
  private readonly checked = new Set<string>();

  constructor(
    identity: IdentityState,
    facts: FactWriter,
    deps: ImapSessionDeps,
    cause: RemoteIdentityEvent,
  ) {
    super(identity, facts, deps, cause, 'imap');
  }

  async start(): Promise<SessionOutcome> {
    let client: ImapFlow | undefined;
    try {
      client = await this.connect();
      // INBOX must open too. A login whose INBOX fails is no connection a user can use, and
      // reporting it as Connected would reset the backoff and the pause streak on each try.
      await client.mailboxOpen(INBOX);
      this.totals = await MailboxTotals.load(
        this.deps.checkpoints,
        this.identity.remote_identity_id,
      );
    } catch (err) {
      client?.close();
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
    // Flags changed elsewhere during IDLE: the next pass publishes them (CHANGEDSINCE).
    client.on('flags', () => this.fetchSoon());
    client.on('close', () => void this.onClose());
    const outcome = await this.reportConnected();
    this.folders = this.folderPoller();
    this.folders.pollSoon();
    return outcome;
  }

  override resume(cause: RemoteIdentityEvent): void {
    super.resume(cause);
    this.folders?.pollSoon();
  }

  /** Resolves, checks and logs in one connection; every connection of the session alike. */
  private async connect(): Promise<ImapFlow> {
    const { params } = this.identity;
    // The destination first, so that a refused one never sees the password opened.
    const destination = await this.deps.destinations.resolve(params.incomming_mail_server);
    const client = createImapClient({
      params,
      destination,
      password: await openPassword(this.identity, this.deps.secrets),
      extraCa: this.deps.extraCa,
      timeoutMs: this.deps.timeoutMs,
      readTimeoutMs: this.deps.readTimeoutMs,
      idleRestartMs: this.deps.idleRestartMs,
    });
    // A certificate refused after STARTTLS comes as an 'error' event, and connect() then fails
    // only with "Unexpected close": the event says what the user must mend.
    let reported: unknown;
    client.on('error', (err: Error) => {
      reported = err;
      this.logger.warn({ err: err.message }, 'imap error');
    });
    try {
      await client.connect();
    } catch (err) {
      throw reported !== undefined && classifyFailure(reported).code === 'TLS_FAILED'
        ? reported
        : err;
    }
    return client;
  }

  private folderPoller(): FolderPoller {
    const { params } = this.identity;
    return new FolderPoller({
      identityId: this.identity.remote_identity_id,
      connect: () => this.connect(),
      syncFolder: async (client, path, madeLater) =>
        void (await this.sync(client, path, madeLater)),
      mayFetch: () => this.connected && !this.stopped && !this.fetches.paused,
      checkpoints: this.deps.checkpoints,
      totals: this.totals,
      logger: this.logger,
      everyMs:
        params.polling_interval === undefined
          ? this.deps.folderPollMs
          : params.polling_interval * 1000,
      includeJunk: params.include_junk ?? false,
      includeTrash: params.include_trash ?? false,
    });
  }

  /** One fetch of one mailbox over `client`, reported with the identity's running total. */
  private sync(
    client: ImapFlow,
    mailbox: string,
    madeLater = false,
  ): Promise<ClassifiedFailure | undefined> {
    // A folder made after the connection holds only mail that came after it, even for
    // from_now, which otherwise starts a mailbox at what arrives after its first sight.
    const { fetch_method } = this.identity.params;
    const fetchMethod = madeLater && fetch_method === 'from_now' ? 'from_beginning' : fetch_method;
    const id = this.identity.remote_identity_id;
    return this.fetches.run(
      this.cause,
      mailbox,
      async (isCancelled, progress) => {
        const result = await syncMailbox({
          client,
          identityId: id,
          mailbox,
          fetchMethod,
          checkpoints: this.deps.checkpoints,
          publisher: this.deps.publisher,
          published: this.deps.published,
          checkUnconfirmed: !this.checked.has(mailbox),
          isCancelled,
          progress: (total, lastUid) => progress(this.totals.set(mailbox, total), lastUid),
        });
        this.checked.add(mailbox);
        if (result.total === undefined) return result;
        return { ...result, total: this.totals.set(mailbox, result.total) };
      },
      () => this.stopped,
    );
  }

  async stop(reason: StopReason, cause?: RemoteIdentityEvent): Promise<void> {
    this.stopped = true;
    const wasConnected = this.connected;
    this.connected = false;
    this.fetches.stopping(cause);
    const client = this.client;
    this.client = undefined;
    const folders = this.folders?.stop(STOP_GRACE_MS);
    this.folders = undefined;
    // Let a running fetch stop between two messages, so that it reports what it published,
    // before the connection goes; a fetch that will not stop is cut off after a grace period.
    const syncing = this.syncing?.catch(() => undefined);
    if (syncing) await Promise.race([syncing, delay(STOP_GRACE_MS)]);
    if (client) await client.logout().catch(() => client.close());
    await syncing;
    await folders;
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
      const failure = await this.sync(client, INBOX);
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
    await this.folders?.stop(STOP_GRACE_MS);
    this.folders = undefined;
    this.logger.warn('connection lost');
    await this.reportDisconnected('lost');
    this.onLost();
  }
}
