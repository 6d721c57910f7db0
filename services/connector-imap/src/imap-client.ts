import { rootCertificates } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { CheckedDestination } from '@ri/destinations';
import type { EmailParams } from '@ri/events';

export interface ImapClientOptions {
  params: EmailParams;
  /** Where `params.incomming_mail_server` resolved when it was checked. */
  destination: CheckedDestination;
  password: string;
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  extraCa?: string[];
  /** Deadline to connect and to get the greeting. */
  timeoutMs: number;
  /**
   * Longest silence of the server while a command (or the IDLE keep-alive) waits: the socket
   * is closed after it, so that no command hangs. Default 60 s.
   */
  readTimeoutMs?: number;
  /**
   * IDLE is broken and started again this often; a server that no longer answers the break
   * is noticed `readTimeoutMs` later. Default 4 minutes.
   */
  idleRestartMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 60_000;
export const DEFAULT_IDLE_RESTART_MS = 4 * 60_000;

/** The implicit-TLS port; every other port must upgrade with STARTTLS. */
const IMAPS_PORT = 993;

/**
 * Builds a client that never talks in plaintext: implicit TLS on 993, STARTTLS demanded on
 * any other port, and certificates always verified (a deployment trusts more CAs through
 * `extraCa`, not by switching the check off).
 */
export function createImapClient({
  params,
  destination,
  password,
  extraCa = [],
  timeoutMs,
  readTimeoutMs = DEFAULT_READ_TIMEOUT_MS,
  idleRestartMs = DEFAULT_IDLE_RESTART_MS,
}: ImapClientOptions): ImapFlow {
  const implicitTls = params.mail_port === IMAPS_PORT;
  return new ImapFlow({
    // The checked address, not the name: a second resolution could answer differently (DNS
    // rebinding). TLS still verifies the certificate against the name, through `servername`.
    host: destination.address,
    ...(destination.servername ? { servername: destination.servername } : {}),
    port: params.mail_port,
    secure: implicitTls,
    ...(implicitTls ? {} : { doSTARTTLS: true }),
    auth: { user: params.login, pass: password },
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
    },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // imapflow closes a socket that stays silent this long, except during IDLE, where it first
    // sends a NOOP and closes only when that is not answered either: a dead connection ends
    // within min(idleRestartMs, readTimeoutMs) + readTimeoutMs at most.
    socketTimeout: readTimeoutMs,
    maxIdleTime: idleRestartMs,
  });
}
