import type { ConnectionFailureCode, UserAction } from '@ri/events';

export interface ClassifiedFailure {
  code: ConnectionFailureCode;
  message: string;
  /** Whether trying again later may succeed without the user changing anything. */
  transient: boolean;
}

/** What the user can do about a failure of this kind; nothing when it may pass by itself. */
export function userActionFor({ code, transient }: ClassifiedFailure): UserAction {
  if (transient) return 'none';
  return code === 'AUTH_FAILED' || code === 'SECRET_UNAVAILABLE' ? 'relogin' : 'check_settings';
}

interface ErrorLike {
  /** A string from Node and imapflow; a number from some others (NATS API errors). */
  code?: string | number;
  message?: string;
  authenticationFailed?: boolean;
  responseText?: string;
  response?: string;
  /** imapflow: `NO` or `BAD` when the server refused a command. */
  responseStatus?: string;
  /** imapflow: the refused command, tag first. */
  executedCommand?: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** imapflow's and Node's codes for a connection that ended under a waiting command. */
const CONNECTION_LOST_CODES = new Set(['NoConnection', 'EConnectionClosed', 'ECONNRESET', 'EPIPE']);

/**
 * Maps what the network, TLS or the IMAP server said into a code that a user can act on. The
 * message is the server's or the system's text, which never contains the password.
 */
export function classifyFailure(err: unknown): ClassifiedFailure {
  const e = (err ?? {}) as ErrorLike;
  const code = String(e.code ?? '');
  const text = e.responseText || e.response || e.message || String(err);
  // Neither a refused destination nor a missing key mends itself; the user must act.
  if (code === 'DESTINATION_NOT_ALLOWED') {
    return { code: 'DESTINATION_NOT_ALLOWED', message: text, transient: false };
  }
  if (code === 'SECRET_UNAVAILABLE' || code === 'NO_SECRET') {
    return { code: 'SECRET_UNAVAILABLE', message: text, transient: false };
  }
  if (e.authenticationFailed) {
    return { code: 'AUTH_FAILED', message: text, transient: false };
  }
  // The server may mend a mailbox it cannot open now (locked, under maintenance, [UNAVAILABLE]).
  if (e.responseStatus && /^\S+ (SELECT|EXAMINE) /i.test(e.executedCommand ?? '')) {
    return { code: 'MAILBOX_UNAVAILABLE', message: text, transient: true };
  }
  // Before the TLS check: imapflow's ClosedAfterConnectTLS is a drop, not a certificate issue.
  if (CONNECTION_LOST_CODES.has(code) || code.startsWith('ClosedAfterConnect')) {
    return { code: 'CONNECTION_LOST', message: e.message ?? text, transient: true };
  }
  if (TLS_CODES.has(code) || /certificate|TLS|SSL/i.test(code)) {
    return { code: 'TLS_FAILED', message: `${code}: ${e.message ?? ''}`.trim(), transient: false };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { code: 'HOST_NOT_FOUND', message: e.message ?? text, transient: code === 'EAI_AGAIN' };
  }
  if (code === 'ECONNREFUSED') {
    return { code: 'CONNECTION_REFUSED', message: e.message ?? text, transient: true };
  }
  if (/TIMEOUT/i.test(code) || code === 'ETIMEDOUT') {
    return { code: 'TIMEOUT', message: e.message ?? text, transient: true };
  }
  if (code === 'STARTTLS_UNAVAILABLE') {
    return { code: 'TLS_FAILED', message: text, transient: false };
  }
  return { code: 'SERVER_ERROR', message: text, transient: true };
}
