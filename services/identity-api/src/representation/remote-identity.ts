import type { StoredEvent } from '@ri/event-store';
import { pauseInForce, type IdentityState } from '@ri/events';
import type { LastError } from '@ri/read-model';
import type { z } from 'zod';
import type {
  connectorFactsSchema,
  publicParamsSchema,
  remoteIdentitySchema,
} from './representation-schemas.ts';

/** The params as served: never a secret, and the port as a string like the design shows it. */
export type PublicParams = z.infer<typeof publicParamsSchema>;

/** What connectors observed; the API only knows it from the read model. */
export type ConnectorFacts = z.infer<typeof connectorFactsSchema>;

/** The design's fields, plus `sequence`: the version to send back in `If-Match`. */
export type RemoteIdentityRepresentation = z.infer<typeof remoteIdentitySchema>;

/** A `remote_identities` row as the database driver returns it. */
export interface RemoteIdentityRow {
  remote_identity_id: string;
  user_id: string;
  identity_type: string;
  identity_id: string;
  provider: string | null;
  params: Record<string, unknown>;
  connection_required: boolean;
  cancel_fetch_required: boolean;
  is_fetching: boolean;
  connected: boolean;
  last_connection: Date | null;
  last_error: LastError | null;
  messages_fetched: number;
  paused_since: Date | null;
  created_at: Date;
  updated_at: Date;
  last_sequence: number;
}

/** The facts of an identity no connector has reported on yet. */
export const INITIAL_FACTS: ConnectorFacts = {
  is_fetching: false,
  connected: false,
  last_connection: null,
  last_error: null,
  messages_fetched: 0,
};

// Fields are picked one by one, so that whatever else a params object holds is never served.
function publicParams(params: Record<string, unknown>): PublicParams {
  return {
    login: String(params.login ?? ''),
    mail_protocol: String(params.mail_protocol ?? ''),
    incomming_mail_server: String(params.incomming_mail_server ?? ''),
    mail_port: String(params.mail_port ?? ''),
    fetch_method: String(params.fetch_method ?? ''),
    ...(typeof params.polling_interval === 'number'
      ? { polling_interval: String(params.polling_interval) }
      : {}),
    ...(typeof params.include_junk === 'boolean' ? { include_junk: params.include_junk } : {}),
    ...(typeof params.include_trash === 'boolean' ? { include_trash: params.include_trash } : {}),
  };
}

export function factsOfRow(row: RemoteIdentityRow): ConnectorFacts {
  return {
    is_fetching: row.is_fetching,
    connected: row.connected,
    last_connection: row.last_connection ? new Date(row.last_connection).toISOString() : null,
    last_error: row.last_error ?? null,
    messages_fetched: Number(row.messages_fetched),
  };
}

export function representRow(row: RemoteIdentityRow): RemoteIdentityRepresentation {
  const facts = factsOfRow(row);
  return {
    remote_identity_id: row.remote_identity_id,
    is_fetching: facts.is_fetching,
    connected: facts.connected,
    last_connection: facts.last_connection,
    connection_required: row.connection_required,
    cancel_fetch_required: row.cancel_fetch_required,
    identity_type: row.identity_type,
    identity_id: row.identity_id,
    params: publicParams(row.params),
    last_error: facts.last_error,
    paused_since: row.paused_since ? new Date(row.paused_since).toISOString() : null,
    messages_fetched: facts.messages_fetched,
    provider: row.provider,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    sequence: Number(row.last_sequence),
  };
}

/**
 * Represents an identity right after a command: what the user asked for comes from the log,
 * which is ahead of the read model, and connector facts from the read model (or their initial
 * values when the projection has not seen the identity yet).
 */
export function representState(
  state: IdentityState,
  history: readonly StoredEvent[],
  facts: ConnectorFacts,
): RemoteIdentityRepresentation {
  const first = history[0];
  const last = history.at(-1);
  if (!first || !last) throw new Error('an identity state always comes from at least one event');
  // The pause, unlike other connector facts, is ended by the user's own requests: the log says
  // at once whether the command just appended ended it.
  const pause = pauseInForce(history.map((s) => s.event));
  // Keys in the design's order, so that both representations serialize alike.
  return {
    remote_identity_id: state.remote_identity_id,
    is_fetching: facts.is_fetching,
    connected: facts.connected,
    last_connection: facts.last_connection,
    connection_required: state.connection_required,
    cancel_fetch_required: state.cancel_fetch_required,
    identity_type: state.identity_type,
    identity_id: state.identity_id,
    params: publicParams(state.params),
    last_error: facts.last_error,
    paused_since: pause ? new Date(pause.occurred_at).toISOString() : null,
    messages_fetched: facts.messages_fetched,
    provider: state.provider,
    created_at: first.event.occurred_at,
    updated_at: last.event.occurred_at,
    sequence: last.sequence,
  };
}
