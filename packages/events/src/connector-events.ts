import { z } from 'zod';

/** Why a connection failed, stable across releases so that clients can branch on it. */
export const CONNECTION_FAILURE_CODES = [
  'AUTH_FAILED',
  'TLS_FAILED',
  'HOST_NOT_FOUND',
  'CONNECTION_REFUSED',
  'TIMEOUT',
  'SERVER_ERROR',
  'UNSUPPORTED',
  'SECRET_UNAVAILABLE',
  /** The server resolves to an address that configuration keeps out of reach (SSRF). */
  'DESTINATION_NOT_ALLOWED',
  /** Logged in, but the server refused to open the mailbox (SELECT or EXAMINE answered NO). */
  'MAILBOX_UNAVAILABLE',
  /** The connection closed, or went silent past its deadline, while a command waited. */
  'CONNECTION_LOST',
] as const;
/**
 * What the user can do about a failure: log in again (`relogin`), check the identity's
 * settings (`check_settings`), or nothing, as the connector retries by itself (`none`).
 */
export const USER_ACTIONS = ['relogin', 'check_settings', 'none'] as const;
export const userActionSchema = z.enum(USER_ACTIONS);
export type UserAction = z.infer<typeof userActionSchema>;

export const connectionFailureCodeSchema = z.enum(CONNECTION_FAILURE_CODES);
export type ConnectionFailureCode = z.infer<typeof connectionFailureCodeSchema>;

/**
 * Every message the mailbox has had published so far, across fetches and restarts, as its
 * checkpoint records it: unlike a sum of per-fetch counts, it stays exact when a crash lost a
 * fetch's report or made a fetch publish again what the stream then dropped as a duplicate.
 */
const totalFetched = z.number().int().nonnegative();

export const connectorEventSchemas = {
  Connected: z.object({
    connector: z.string(),
    server: z.string(),
    port: z.number().int(),
  }),
  ConnectionFailed: z.object({
    connector: z.string(),
    code: connectionFailureCodeSchema,
    message: z.string(),
    /** Absent in events of earlier releases. */
    user_action: userActionSchema.optional(),
  }),
  /**
   * The connector stopped retrying: the identity has failed since `failing_since` without a
   * connection in between, for longer than the connector's pause threshold. `code`, `message`
   * and `user_action` are those of the last failure, or what the user can do about it. A
   * params change or a connection request resumes the identity.
   */
  ConnectionPaused: z.object({
    connector: z.string(),
    failing_since: z.string().datetime({ offset: true }),
    code: connectionFailureCodeSchema,
    message: z.string(),
    user_action: userActionSchema,
  }),
  /** The connector closed the connection, on request or because it was lost. */
  Disconnected: z.object({
    connector: z.string(),
    reason: z.enum(['requested', 'lost', 'deleted', 'shutdown']),
  }),
  FetchStarted: z.object({
    fetch_id: z.string().uuid(),
    mailbox: z.string(),
    fetch_method: z.string(),
  }),
  /** A fetch moved its checkpoint: every message up to `last_uid` is in the mail stream. */
  FetchProgressed: z.object({
    fetch_id: z.string().uuid(),
    mailbox: z.string(),
    total_fetched: totalFetched,
    last_uid: z.number().int().nonnegative(),
  }),
  FetchCompleted: z.object({
    fetch_id: z.string().uuid(),
    mailbox: z.string(),
    /** Messages published by this fetch. */
    fetched: z.number().int().nonnegative(),
    total_fetched: totalFetched.optional(),
    bytes: z.number().int().nonnegative(),
    duration_ms: z.number().nonnegative(),
    uid_validity: z.string(),
    last_uid: z.number().int().nonnegative(),
  }),
  /** A fetch stopped because of an error; what was published before it stays published. */
  FetchFailed: z.object({
    fetch_id: z.string().uuid(),
    mailbox: z.string(),
    fetched: z.number().int().nonnegative(),
    total_fetched: totalFetched.optional(),
    code: z.string(),
    message: z.string(),
  }),
  /** The connector acknowledges a `FetchCancelled`: the fetch stopped between two messages. */
  FetchCancelAcknowledged: z.object({
    fetch_id: z.string().uuid().nullable(),
    mailbox: z.string().nullable(),
    fetched: z.number().int().nonnegative(),
    total_fetched: totalFetched.optional(),
  }),
} as const;
