import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface ConnectNatsOptions {
  url: string;
  /** Shown in the server's connection list; say which service this is. */
  name: string;
}

/**
 * Connects and keeps reconnecting forever: a service outlives a NATS restart and carries on
 * where it was, instead of dying and losing its in-memory sessions.
 */
export function connectNats({ url, name }: ConnectNatsOptions): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Capturing a stack for every request (two per JetStream publish) costs more than a
    // tenth of a mailbox fetch; a timeout error then lacks its caller's stack.
    noAsyncTraces: true,
  });
}
