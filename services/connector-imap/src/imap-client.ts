import { rootCertificates } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { EmailParams } from '@ri/events';

export interface ImapClientOptions {
  params: EmailParams;
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
  password,
  extraCa = [],
  timeoutMs,
}: ImapClientOptions): ImapFlow {
  const implicitTls = params.mail_port === IMAPS_PORT;
  return new ImapFlow({
    host: params.incomming_mail_server,
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
