import type { EventOf, RemoteIdentityEvent } from './catalog.ts';

/**
 * What ends a pause: the user changed the params, asked for the connection again or no longer
 * wants it (deleted included), or a connection succeeded.
 */
const ENDS_PAUSE = new Set<RemoteIdentityEvent['type']>([
  'RemoteIdentityUpdated',
  'ConnectionRequested',
  'DisconnectionRequested',
  'RemoteIdentityDeleted',
  'Connected',
]);

/**
 * The `ConnectionPaused` still in force at the end of `events`, if any. Connectors read it to
 * leave a paused identity alone, and the API to show the pause before the read model has it.
 */
export function pauseInForce(
  events: Iterable<RemoteIdentityEvent>,
): EventOf<'ConnectionPaused'> | undefined {
  let pause: EventOf<'ConnectionPaused'> | undefined;
  for (const event of events) {
    if (event.type === 'ConnectionPaused') pause = event;
    else if (ENDS_PAUSE.has(event.type)) pause = undefined;
  }
  return pause;
}
