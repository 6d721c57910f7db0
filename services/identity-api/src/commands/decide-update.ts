import {
  emailParamsSchema,
  type EmailParams,
  type EventData,
  type EventType,
  type IdentityState,
  type SealedSecret,
} from '@ri/events';
import { fieldErrors, validationError } from '../problems/validation.ts';

/** An event decided but not yet in the log: the envelope is added when it is appended. */
export type PendingEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

export interface UpdateDecisionInput {
  connection_required?: boolean;
  cancel_fetch_required?: boolean;
  params?: Partial<EmailParams>;
  /** The new password, sealed; absent when the request kept the stored one. */
  sealedPassword?: SealedSecret;
}

/**
 * Decides the events of a PATCH from the identity's current state. The request says what the
 * user wants to hold, so a field already at the wanted value yields no event: deciding again
 * after a version conflict then never repeats what the first attempt already appended. The
 * exception is `connection_required: true`, a request that connectors handle idempotently.
 *
 * Order matters to connectors: new params come before a connection request, so that the
 * connection uses them.
 */
export function decideUpdate(state: IdentityState, input: UpdateDecisionInput): PendingEvent[] {
  const events: PendingEvent[] = [];
  const params = mergeParams(state.params, input.params);
  if (params.mail_protocol === 'API' && state.provider !== 'gmail') {
    throw validationError([
      { path: '/params/mail_protocol', message: 'API needs a sub-object whose provider is gmail' },
    ]);
  }
  if (!sameParams(params, state.params) || input.sealedPassword) {
    events.push({
      type: 'RemoteIdentityUpdated',
      data: {
        params,
        secrets: input.sealedPassword ? { password: input.sealedPassword } : {},
      },
    });
  }
  if (input.cancel_fetch_required === true && !state.cancel_fetch_required) {
    events.push({ type: 'FetchCancelled', data: {} });
  }
  // A connection request is an action, not only a state: sent again, it retries a failed
  // connection or resumes a cancelled fetch, so it is appended even when already true.
  if (input.connection_required === true) {
    events.push({ type: 'ConnectionRequested', data: {} });
  }
  if (input.connection_required === false && state.connection_required) {
    events.push({ type: 'DisconnectionRequested', data: {} });
  }
  return events;
}

export function decideDelete(): PendingEvent[] {
  return [{ type: 'RemoteIdentityDeleted', data: {} }];
}

// Each field was checked alone; the merged whole is checked again because events must only
// ever hold params that the schema accepts.
function mergeParams(current: EmailParams, change: Partial<EmailParams> = {}): EmailParams {
  const result = emailParamsSchema.safeParse({ ...current, ...change });
  if (!result.success) throw validationError(fieldErrors(result.error.issues, ['params']));
  return result.data;
}

function sameParams(a: EmailParams, b: EmailParams): boolean {
  return (
    a.login === b.login &&
    a.mail_protocol === b.mail_protocol &&
    a.incomming_mail_server === b.incomming_mail_server &&
    a.mail_port === b.mail_port &&
    a.fetch_method === b.fetch_method &&
    a.polling_interval === b.polling_interval &&
    a.include_junk === b.include_junk &&
    a.include_trash === b.include_trash
  );
}
