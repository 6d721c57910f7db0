import type { RemoteIdentityEvent } from '@ri/events';
import type { RemoteIdentitiesTable } from '@ri/read-model';
import type { Selectable } from 'kysely';

/** A `remote_identities` row as the projection reads and writes it. */
export type RemoteIdentityRow = Selectable<RemoteIdentitiesTable>;

/**
 * The row change of one event: `row` is the identity's row before it (`undefined` when there is
 * none), the result is the row after it (`undefined` when there is none). The same object comes
 * back when the event changes nothing, so a caller can tell which rows to write.
 *
 * An event for an identity without a row changes nothing: its identity was deleted, or its
 * creation is not in the log. A second creation of a live identity changes nothing either, so
 * that a creation appended twice keeps the first one.
 */
export function evolveRow(
  row: RemoteIdentityRow | undefined,
  event: RemoteIdentityEvent,
  sequence: number,
): RemoteIdentityRow | undefined {
  if (event.type === 'RemoteIdentityCreated') {
    if (row) return row;
    const at = new Date(event.occurred_at);
    return {
      remote_identity_id: event.remote_identity_id,
      user_id: event.user_id,
      identity_type: event.data.identity_type,
      identity_id: event.data.identity_id,
      provider: event.data.provider,
      params: event.data.params,
      connection_required: false,
      cancel_fetch_required: false,
      is_fetching: false,
      running_fetches: [],
      connected: false,
      last_connection: null,
      last_error: null,
      messages_fetched: 0,
      paused_since: null,
      created_at: at,
      updated_at: at,
      last_sequence: sequence,
    };
  }
  if (!row) return undefined;
  const touched: RemoteIdentityRow = {
    ...row,
    updated_at: new Date(event.occurred_at),
    last_sequence: sequence,
  };
  // New params, a new request and a disconnection all end a pause, as `pauseInForce` says.
  switch (event.type) {
    case 'RemoteIdentityUpdated':
      return { ...touched, params: event.data.params, paused_since: null };
    case 'ConnectionRequested':
      return { ...touched, connection_required: true, paused_since: null };
    case 'DisconnectionRequested':
      return {
        ...touched,
        connection_required: false,
        cancel_fetch_required: false,
        paused_since: null,
      };
    case 'FetchCancelled':
      return { ...touched, cancel_fetch_required: true };
    case 'RemoteIdentityDeleted':
      return undefined;
    case 'RemoteIdentityProviderChanged':
      return { ...touched, provider: event.data.provider };
    case 'Connected':
      // A new session: whatever an earlier one was fetching ended with it (even in a crash).
      return {
        ...touched,
        ...noFetches,
        connected: true,
        last_connection: new Date(event.occurred_at),
        last_error: null,
        paused_since: null,
      };
    case 'ConnectionFailed':
      return {
        ...touched,
        connected: false,
        ...noFetches,
        last_error: {
          code: event.data.code,
          message: event.data.message,
          at: event.occurred_at,
          ...(event.data.user_action ? { user_action: event.data.user_action } : {}),
        },
      };
    case 'ConnectionPaused':
      return { ...touched, paused_since: new Date(event.occurred_at) };
    case 'Disconnected':
      return { ...touched, connected: false, ...noFetches };
    case 'FetchStarted':
      return { ...touched, ...fetchesWith(row, event.data.fetch_id) };
    case 'FetchProgressed':
      return { ...touched, messages_fetched: fetchedAfter(row, event.data) };
    case 'FetchCompleted':
      // A fetch that went through shows that whatever failed before has mended.
      return {
        ...touched,
        last_error: null,
        ...fetchesWithout(row, event.data.fetch_id),
        messages_fetched: fetchedAfter(row, event.data),
      };
    case 'FetchFailed':
      return {
        ...touched,
        ...fetchesWithout(row, event.data.fetch_id),
        messages_fetched: fetchedAfter(row, event.data),
        last_error: { code: event.data.code, message: event.data.message, at: event.occurred_at },
      };
    case 'FetchCancelAcknowledged':
      return {
        ...touched,
        // Without a fetch id, the connector says that nothing was running.
        ...(event.data.fetch_id === null ? noFetches : fetchesWithout(row, event.data.fetch_id)),
        cancel_fetch_required: false,
        messages_fetched: fetchedAfter(row, event.data),
      };
    default: {
      // A new event type in the catalog fails the type check here until it has a row change.
      const unhandled: never = event;
      throw new Error(`no row change for event ${JSON.stringify(unhandled)}`);
    }
  }
}

// A connector that keeps a running total reports it, and the total is exact across crashes;
// one that does not (POP3, checkpoints of older releases) reports each fetch's count. The
// identity's total only grows, but fetches of two mailboxes report it concurrently, so their
// reports may land out of order: the larger one holds.
function fetchedAfter(
  row: { messages_fetched: number },
  data: { fetched?: number; total_fetched?: number | undefined },
): number {
  if (data.total_fetched !== undefined) return Math.max(row.messages_fetched, data.total_fetched);
  return row.messages_fetched + (data.fetched ?? 0);
}

const noFetches = { is_fetching: false, running_fetches: [] as string[] };

function fetchesWith(row: RemoteIdentityRow, fetchId: string) {
  const running = row.running_fetches.includes(fetchId)
    ? row.running_fetches
    : [...row.running_fetches, fetchId];
  return { is_fetching: true, running_fetches: running };
}

// A fetch that ends without its start in the row (one of an earlier release) changes nothing
// but what it says of itself, so the identity is idle only when no started fetch runs.
function fetchesWithout(row: RemoteIdentityRow, fetchId: string) {
  const running = row.running_fetches.filter((id) => id !== fetchId);
  return { is_fetching: running.length > 0, running_fetches: running };
}
