import type { RemoteIdentityEvent } from '@ri/events';

/** Where the time of one system run went, in ms, from the identity's own event timestamps. */
export interface SystemPhases {
  /** POST sent until `ConnectionRequested` recorded: the API's create and patch. */
  request: number;
  /** `ConnectionRequested` until `Connected`: connector picks it up, TCP, STARTTLS, LOGIN. */
  connect: number;
  /** `Connected` until the first `FetchStarted`. */
  start: number;
  /** First `FetchStarted` until the last `FetchCompleted`: SELECT, SEARCH, FETCH and publish. */
  fetch: number;
  /** The connector's own `duration_ms`, summed over fetches (excludes appending the facts). */
  fetchReported: number;
  /** Last `FetchCompleted` until the poll saw the read model done: projection and polling. */
  project: number;
  /** Fetches the session ran; more than one means a sync was requested again mid-way. */
  fetches: number;
}

/**
 * Splits a run by event timestamps. They come from the same clock as `startedAt` and `seenAt`
 * (one process) but have ms resolution, so each phase is good to about 1 ms.
 */
export function phasesOf(
  events: readonly RemoteIdentityEvent[],
  startedAt: number,
  seenAt: number,
): SystemPhases {
  const at = (type: RemoteIdentityEvent['type'], last = false): number => {
    const matching = events.filter((e) => e.type === type);
    const event = last ? matching.at(-1) : matching[0];
    if (!event) throw new Error(`no ${type} event in the identity's history`);
    return Date.parse(event.occurred_at);
  };
  const requested = at('ConnectionRequested');
  const connected = at('Connected');
  const fetchStarted = at('FetchStarted');
  const fetchCompleted = at('FetchCompleted', true);
  let fetchReported = 0;
  let fetches = 0;
  for (const event of events) {
    if (event.type !== 'FetchCompleted') continue;
    fetchReported += event.data.duration_ms;
    fetches += 1;
  }
  return {
    request: requested - startedAt,
    connect: connected - requested,
    start: fetchStarted - connected,
    fetch: fetchCompleted - fetchStarted,
    fetchReported,
    project: seenAt - fetchCompleted,
    fetches,
  };
}
