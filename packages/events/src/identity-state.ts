import type { RemoteIdentityEvent } from './catalog.ts';
import type { IdentityType, EmailParams } from './params.ts';
import type { SealedSecret } from './secrets.ts';

/**
 * What the user asked for, folded from an identity's events: enough for a connector to act
 * on a request and for a writer to validate a command. Connector facts are not folded here;
 * they belong to the read model.
 */
export interface IdentityState {
  remote_identity_id: string;
  user_id: string;
  identity_type: IdentityType;
  identity_id: string;
  provider: string | null;
  params: EmailParams;
  secrets: { password?: SealedSecret };
  connection_required: boolean;
  cancel_fetch_required: boolean;
  deleted: boolean;
}

/** Applies one event; events before creation (which the log never holds) are ignored. */
export function evolveIdentity(
  state: IdentityState | undefined,
  event: RemoteIdentityEvent,
): IdentityState | undefined {
  if (event.type === 'RemoteIdentityCreated') {
    return {
      remote_identity_id: event.remote_identity_id,
      user_id: event.user_id,
      identity_type: event.data.identity_type,
      identity_id: event.data.identity_id,
      provider: event.data.provider,
      params: event.data.params,
      secrets: { ...event.data.secrets },
      connection_required: false,
      cancel_fetch_required: false,
      deleted: false,
    };
  }
  if (!state) return state;
  switch (event.type) {
    case 'RemoteIdentityUpdated':
      return {
        ...state,
        params: event.data.params,
        secrets: { ...state.secrets, ...event.data.secrets },
      };
    case 'ConnectionRequested':
      return { ...state, connection_required: true };
    case 'DisconnectionRequested':
      return { ...state, connection_required: false, cancel_fetch_required: false };
    case 'FetchCancelled':
      return { ...state, cancel_fetch_required: true };
    case 'FetchCancelAcknowledged':
      return { ...state, cancel_fetch_required: false };
    case 'RemoteIdentityDeleted':
      return { ...state, deleted: true, connection_required: false };
    case 'RemoteIdentityProviderChanged':
      return { ...state, provider: event.data.provider };
    default:
      return state;
  }
}

export function foldIdentity(events: Iterable<RemoteIdentityEvent>): IdentityState | undefined {
  let state: IdentityState | undefined;
  for (const event of events) state = evolveIdentity(state, event);
  return state;
}
