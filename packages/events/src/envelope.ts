import { z } from 'zod';

const envelopeFields = {
  event_id: z.string().uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  user_id: z.string().min(1),
  occurred_at: z.string().datetime({ offset: true }),
  correlation_id: z.string().uuid(),
  causation_id: z.string().uuid().nullable(),
  data: z.unknown(),
};

/**
 * Every event on the identity log travels in this envelope. `version` is the schema version of
 * `data` for that `type`; readers upcast older versions before use, so a replay of old history
 * keeps working after a schema change.
 */
export const envelopeSchema = z.object({
  ...envelopeFields,
  remote_identity_id: z.string().uuid(),
});

/**
 * The envelope of a contact's events: the same fields, keyed by `contact_id` instead of
 * `remote_identity_id`, so that identity events and their readers stay as they were.
 */
export const contactEnvelopeSchema = z.object({
  ...envelopeFields,
  contact_id: z.string().uuid(),
});

export type EventEnvelope<TType extends string = string, TData = unknown> = Omit<
  z.infer<typeof envelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };

export type ContactEventEnvelope<TType extends string = string, TData = unknown> = Omit<
  z.infer<typeof contactEnvelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };
