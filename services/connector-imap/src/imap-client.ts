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
  timeoutMs: number;
}

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
    socketTimeout: 5 * 60_000,
    // Breaks IDLE now and then so that a connection that died silently is noticed.
    maxIdleTime: 4 * 60_000,
  });
}
