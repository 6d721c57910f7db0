import { z } from 'zod';

/**
 * Every event on the identity log travels in this envelope. `version` is the schema version of
 * `data` for that `type`; readers upcast older versions before use, so a replay of old history
 * keeps working after a schema change.
 */
export const envelopeSchema = z.object({
  event_id: z.string().uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  remote_identity_id: z.string().uuid(),
  user_id: z.string().min(1),
  occurred_at: z.string().datetime({ offset: true }),
  correlation_id: z.string().uuid(),
  causation_id: z.string().uuid().nullable(),
  data: z.unknown(),
});

export type EventEnvelope<TType extends string = string, TData = unknown> = Omit<
  z.infer<typeof envelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };
