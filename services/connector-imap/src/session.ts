import { randomUUID } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { IdentityState, RemoteIdentityEvent } from '@ri/events';
import type { Logger } from '@ri/logging';
import type { SecretBox } from '@ri/secrets';
import type { CheckpointStore } from './checkpoints.ts';
import type { FactWriter } from './facts.ts';
import { classifyFailure } from './failure.ts';
import { createImapClient } from './imap-client.ts';
import type { MailPublisher } from './mail-publisher.ts';
import { syncMailbox } from './mailbox-sync.ts';

export interface SessionDeps {
  secrets: SecretBox;
  checkpoints: CheckpointStore;
  publisher: MailPublisher;
  logger: Logger;
  extraCa: string[];
  timeoutMs: number;
}

const CONNECTOR = 'imap';
const MAILBOX = 'INBOX';

/**
 * One identity's live IMAP connection: connects, fetches, then keeps watching INBOX (imapflow
 * IDLEs while nothing runs) and fetches again whenever the server reports new mail. Fetches
 * run one at a time; a cancel pauses fetching until the user asks for the connection again.
 */
export class ImapSession {
  private client: ImapFlow | undefined;
  private connected = false;
  private stopped = false;
  private paused = false;
  private syncWanted = false;
  private syncing: Promise<void> | undefined;
  private fetch: { id: string; cancel: RemoteIdentityEvent | undefined } | undefined;
  private cause: RemoteIdentityEvent;
  private readonly logger: Logger;

  constructor(
    private readonly identity: IdentityState,
    private readonly facts: FactWriter,
    private readonly deps: SessionDeps,
    cause: RemoteIdentityEvent,
  ) {
    this.cause = cause;
    this.logger = deps.logger.child({
      remote_identity_id: identity.remote_identity_id,
      correlation_id: cause.correlation_id,
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Called once when an established connection drops without being asked to. */
  onLost: () => void = () => undefined;

  /**
   * Connects and logs in, reports the outcome, and starts the first fetch on success. Answers
   * whether it connected and, if not, whether trying again later may help.
   */
  async start(): Promise<{ connected: boolean; transient: boolean }> {
    const { params, secrets, remote_identity_id: id } = this.identity;
    let client: ImapFlow;
    try {
      if (!secrets.password) throw Object.assign(new Error('no password'), { code: 'NO_SECRET' });
      const password = this.deps.secrets.open(secrets.password, `${id}/password`);
      client = createImapClient({
        params,
        password,
        extraCa: this.deps.extraCa,
        timeoutMs: this.deps.timeoutMs,
      });
      client.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'imap error'));
      await client.connect();
    } catch (err) {
      const failure = classifyFailure(err);
      this.logger.info({ code: failure.code }, 'connection failed');
      await this.facts.append(
        'ConnectionFailed',
        { connector: CONNECTOR, code: failure.code, message: failure.message },
        this.cause,
      );
      return { connected: false, transient: failure.transient };
    }
    if (this.stopped) {
      await client.logout().catch(() => client.close());
      return { connected: false, transient: false };
    }
    this.client = client;
    this.connected = true;
    client.on('exists', () => this.requestSync());
    client.on('close', () => void this.onClose());
    await this.facts.append(
      'Connected',
      { connector: CONNECTOR, server: params.incomming_mail_server, port: params.mail_port },
      this.cause,
    );
    this.logger.info('connected');
    this.requestSync();
    return { connected: true, transient: false };
  }

  /** The user asked for the connection again: resume fetching if a cancel had paused it. */
  resume(cause: RemoteIdentityEvent): void {
    this.cause = cause;
    this.paused = false;
    this.requestSync();
  }

  /** Stops the running fetch between two messages, and pauses fetching. */
  async cancelFetch(cause: RemoteIdentityEvent): Promise<void> {
    this.paused = true;
    if (this.fetch) {
      this.fetch.cancel = cause;
      return;
    }
    await this.facts.append(
      'FetchCancelAcknowledged',
      { fetch_id: null, mailbox: null, fetched: 0 },
      cause,
    );
  }

  async stop(reason: 'requested' | 'deleted' | 'shutdown', cause?: RemoteIdentityEvent) {
    this.stopped = true;
    const wasConnected = this.connected;
    this.connected = false;
    if (this.fetch && !this.fetch.cancel && cause) this.fetch.cancel = cause;
    const client = this.client;
    this.client = undefined;
    if (client) await client.logout().catch(() => client.close());
    await this.syncing?.catch(() => undefined);
    if (wasConnected && reason !== 'shutdown') {
      await this.facts.append(
        'Disconnected',
        { connector: CONNECTOR, reason },
        cause ?? this.cause,
      );
    }
  }

  private requestSync(): void {
    this.syncWanted = true;
    if (!this.syncing) this.syncing = this.runSyncs().finally(() => (this.syncing = undefined));
  }

  private async runSyncs(): Promise<void> {
    while (this.syncWanted && this.connected && !this.paused && this.client) {
      this.syncWanted = false;
      await this.syncOnce(this.client);
    }
    // imapflow would wait 15 s of quiet before it IDLEs by itself; new mail should not. The
    // next command (a sync on EXISTS) breaks the IDLE.
    if (this.connected && this.client && !this.syncWanted) {
      this.client.idle().catch(() => undefined);
    }
  }

  private async syncOnce(client: ImapFlow): Promise<void> {
    const fetchId = randomUUID();
    const cause = this.cause;
    this.fetch = { id: fetchId, cancel: undefined };
    const fetch = this.fetch;
    await this.facts.append(
      'FetchStarted',
      { fetch_id: fetchId, mailbox: MAILBOX, fetch_method: this.identity.params.fetch_method },
      cause,
    );
    const started = performance.now();
    try {
      const result = await syncMailbox({
        client,
        identityId: this.identity.remote_identity_id,
        mailbox: MAILBOX,
        fetchMethod: this.identity.params.fetch_method,
        checkpoints: this.deps.checkpoints,
        publisher: this.deps.publisher,
        isCancelled: () => fetch.cancel !== undefined,
      });
      this.logger.info({ fetched: result.fetched, cancelled: result.cancelled }, 'fetch ended');
      if (fetch.cancel) {
        await this.facts.append(
          'FetchCancelAcknowledged',
          { fetch_id: fetchId, mailbox: MAILBOX, fetched: result.fetched },
          fetch.cancel,
        );
        return;
      }
      await this.facts.append(
        'FetchCompleted',
        {
          fetch_id: fetchId,
          mailbox: MAILBOX,
          fetched: result.fetched,
          bytes: result.bytes,
          duration_ms: Math.round(performance.now() - started),
          uid_validity: result.uidValidity,
          last_uid: result.lastUid,
        },
        cause,
      );
    } catch (err) {
      const failure = classifyFailure(err);
      this.logger.warn({ code: failure.code, err: failure.message }, 'fetch failed');
      await this.facts.append(
        'FetchFailed',
        {
          fetch_id: fetchId,
          mailbox: MAILBOX,
          fetched: 0,
          code: failure.code,
          message: failure.message,
        },
        cause,
      );
    } finally {
      this.fetch = undefined;
    }
  }

  private async onClose(): Promise<void> {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    this.client = undefined;
    this.logger.warn('connection lost');
    await this.facts.append('Disconnected', { connector: CONNECTOR, reason: 'lost' }, this.cause);
    this.onLost();
  }
}
