import { newEvent, type EventData, type EventType, type RemoteIdentityEvent } from '@ri/events';
import type { EventLog } from '@ri/event-store';

export interface FactWriterOptions {
  log: EventLog;
  identityId: string;
  userId: string;
  now: () => Date;
}

/**
 * Appends what a connector observed. Facts are appended without an expected sequence: they
 * happened whatever the user did meanwhile. A retry resends the same event id, so a publish
 * whose acknowledgement was lost is dropped by the stream rather than doubled.
 */
export class FactWriter {
  constructor(private readonly options: FactWriterOptions) {}

  async append<T extends EventType>(
    type: T,
    data: EventData<T>,
    cause: RemoteIdentityEvent,
  ): Promise<void> {
    const { log, identityId, userId, now } = this.options;
    const event = newEvent(type, data, {
      remote_identity_id: identityId,
      user_id: userId,
      correlation_id: cause.correlation_id,
      causation_id: cause.event_id,
      occurred_at: now().toISOString(),
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await log.append(event);
        return;
      } catch (err) {
        // NATS may be restarting; the client reconnects by itself, so wait and resend.
        if (attempt >= 30) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }
}
