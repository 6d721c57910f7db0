import {
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  foldIdentity,
  pauseInForce,
  type IdentityState,
  type RemoteIdentityEvent,
  type Topology,
} from '@ri/events';
import {
  CONSUME_EXPIRES_MS,
  decodeEvent,
  ensureDurableIdentityConsumer,
  type EventLog,
} from '@ri/event-store';
import { FactWriter } from './facts.ts';
import { IdentityQueue } from './identity-queue.ts';
import type { MailSession } from './mail-session.ts';
import { ConnectionPauser } from './connection-pauser.ts';
import { Pop3Session, type Pop3SessionDeps } from './pop3/pop3-session.ts';
import { RetrySchedule, type RetryScheduleOptions } from './retry-schedule.ts';
import { ImapSession, type ImapSessionDeps } from './session.ts';

export interface ConnectorOptions extends Pop3SessionDeps, ImapSessionDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: EventLog;
  /** Identities that want a live session, restored when the connector starts again. */
  wanted: KV;
  consumerName: string;
  topology: Topology;
  now: () => Date;
  /** How long an identity may fail without a connection before its retries stop. */
  pauseAfterMs: number;
  retry?: RetryScheduleOptions;
}

/** How long a session must last before its loss is retried from the shortest delay again. */
const STABLE_SESSION_MS = 60_000;

const RELEVANT = new Set([
  'ConnectionRequested',
  'DisconnectionRequested',
  'FetchCancelled',
  'RemoteIdentityUpdated',
  'RemoteIdentityDeleted',
  'RemoteIdentityProviderChanged',
]);

/**
 * Reacts to what users ask of their IMAP and POP3 identities. Each request is handled against the
 * identity's current state, loaded from the log, so a redelivered or replayed request that
 * the user has since overridden does nothing.
 */
export class ImapConnector {
  private readonly sessions = new Map<string, MailSession>();
  private readonly queue = new IdentityQueue();
  private readonly retries: RetrySchedule;
  private readonly pauser: ConnectionPauser;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ConnectorOptions) {
    this.retries = new RetrySchedule(options.retry);
    this.pauser = new ConnectionPauser(options);
  }

  async start(): Promise<void> {
    const { jsm, js, consumerName, wanted, topology } = this.options;
    await ensureDurableIdentityConsumer(jsm, topology, consumerName, { ackWaitMs: 120_000 });
    // 1. Bring back the sessions that were live before the last stop.
    for await (const key of await wanted.keys()) {
      this.restoreSoon(key);
    }
    // 2. Then follow the requests as they come.
    const consumer = await js.consumers.get(topology.identityStream, consumerName);
    this.messages = await consumer.consume({ max_messages: 256, expires: CONSUME_EXPIRES_MS });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        let event: RemoteIdentityEvent;
        try {
          event = decodeEvent(msg.data);
        } catch (err) {
          this.options.logger.error({ err, seq: msg.seq }, 'undecodable event skipped');
          msg.term();
          continue;
        }
        if (!RELEVANT.has(event.type)) {
          msg.ack();
          continue;
        }
        void this.queue
          .run(event.remote_identity_id, () => this.handle(event))
          .then(
            () => msg.ack(),
            (err) => {
              this.options.logger.error({ err, type: event.type }, 'request failed; redelivery');
              msg.nak(5000);
            },
          );
      }
    })();
  }

  async stop(): Promise<void> {
    this.retries.cancelAll();
    await this.messages?.close();
    await this.loop;
    await this.queue.idle();
    await Promise.all([...this.sessions.values()].map((s) => s.stop('shutdown')));
    this.sessions.clear();
  }

  private async handle(event: RemoteIdentityEvent): Promise<void> {
    const id = event.remote_identity_id;
    const history = (await this.options.log.read(id)).map((s) => s.event);
    const state = foldIdentity(history);
    if (!state) return;
    const session = this.sessions.get(id);
    if (!isOurs(state)) {
      // The identity moved to another connector (its sub-object's provider changed): let go,
      // so that it does not look connected by a connection nobody serves any more.
      if (session || (await this.options.wanted.get(id))) await this.close(id, 'requested', event);
      return;
    }
    // Both requests end a pause; one still in force came after this one, a redelivery.
    const paused = pauseInForce(history) !== undefined;
    switch (event.type) {
      case 'ConnectionRequested':
        if (state.deleted || !state.connection_required || paused) return;
        if (session?.isConnected) return session.resume(event);
        await session?.stop('shutdown');
        return this.open(state, event);
      case 'DisconnectionRequested':
        await this.close(id, 'requested', event);
        return;
      case 'RemoteIdentityDeleted':
        await this.close(id, 'deleted', event);
        await this.options.checkpoints.forget(id);
        await this.options.uidls.forget(id);
        return;
      case 'RemoteIdentityUpdated':
        // New params take effect on a fresh connection, and may mend one that failed.
        if (state.deleted || !state.connection_required || paused) return;
        if (session) await this.close(id, 'requested', event);
        return this.open(state, event);
      case 'FetchCancelled':
        if (!state.cancel_fetch_required) return;
        if (session) return session.cancelFetch(event);
        await this.writer(state).append(
          'FetchCancelAcknowledged',
          { fetch_id: null, mailbox: null, fetched: 0 },
          event,
        );
        return;
      default:
        return;
    }
  }

  private async open(
    state: IdentityState,
    cause: RemoteIdentityEvent,
    paused = false,
  ): Promise<void> {
    const id = state.remote_identity_id;
    this.retries.cancel(id);
    await this.options.wanted.put(id, new TextEncoder().encode(cause.event_id));
    const session = createSession(state, this.writer(state), this.options, cause);
    if (paused) session.pauseFetching();
    this.sessions.set(id, session);
    const outcome = await session.start();
    if (outcome.connected) {
      // A login alone proves little: a mailbox that will not open, or a link that drops at
      // once, would be retried at the shortest delay forever. Only a session that lasted
      // resets the backoff.
      const since = performance.now();
      session.onLost = () => {
        if (performance.now() - since >= STABLE_SESSION_MS) this.retries.succeeded(id);
        this.retryLater(id);
      };
      return;
    }
    this.sessions.delete(id);
    // Wrong credentials or certificates wait for the user; a server that is down does not,
    // until it has been failing for longer than the pause threshold.
    if (!outcome.transient) return;
    // After a pause, a resume is the user's doing: its retries start from the first delay.
    if (await this.pauser.pauseIfDue(state, cause)) this.retries.succeeded(id);
    else this.retryLater(id);
  }

  private retryLater(id: string): void {
    this.retries.schedule(id, () => this.restoreSoon(id));
  }

  /**
   * Restores a session in the identity's turn. Reading the log fails while NATS is away; the
   * rejection must not go unhandled (it would end the process), so it is retried later.
   */
  private restoreSoon(id: string): void {
    this.queue
      .run(id, () => this.restore(id))
      .catch((err: unknown) => {
        this.options.logger.warn({ err, remote_identity_id: id }, 'restore failed; retrying');
        this.retryLater(id);
      });
  }

  private async close(id: string, reason: 'requested' | 'deleted', cause: RemoteIdentityEvent) {
    this.retries.cancel(id);
    await this.options.wanted.delete(id);
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    await session?.stop(reason, cause);
  }

  private async restore(id: string): Promise<void> {
    const history = (await this.options.log.read(id)).map((s) => s.event);
    const state = foldIdentity(history);
    // A paused identity has no request left to restore: it waits for the user's next one.
    const cause = pauseInForce(history)
      ? undefined
      : history.findLast((e) => e.type === 'ConnectionRequested');
    if (!state || state.deleted || !state.connection_required || !cause || !isOurs(state)) {
      await this.options.wanted.delete(id);
      return;
    }
    // A cancel after the last request holds until the next one, across restarts too.
    const cancelled = history.findLastIndex((e) => e.type === 'FetchCancelled');
    const paused = cancelled > history.lastIndexOf(cause);
    if (!this.sessions.get(id)?.isConnected) await this.open(state, cause, paused);
  }

  private writer(state: IdentityState): FactWriter {
    return new FactWriter({
      log: this.options.log,
      identityId: state.remote_identity_id,
      userId: state.user_id,
      now: this.options.now,
    });
  }
}

/** Generic mail identities are ours; named providers (gmail) have connectors of their own. */
export function isOurs(state: IdentityState): boolean {
  const protocol = state.params.mail_protocol;
  return (
    state.identity_type === 'email' &&
    state.provider === null &&
    (protocol === 'IMAP' || protocol === 'POP3')
  );
}

function createSession(
  state: IdentityState,
  facts: FactWriter,
  deps: Pop3SessionDeps & ImapSessionDeps,
  cause: RemoteIdentityEvent,
): MailSession {
  if (state.params.mail_protocol === 'POP3') return new Pop3Session(state, facts, deps, cause);
  return new ImapSession(state, facts, deps, cause);
}
