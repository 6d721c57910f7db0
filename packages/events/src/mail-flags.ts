import { z } from 'zod';

/**
 * The payload of a flags change on `ri.flags.<identity>`: a message published before now has
 * these flags (all of them, not a difference), as of the server's MODSEQ `modseq`. Readers
 * keep the change with the highest `modseq` per message.
 */
export const mailFlagsChangedSchema = z.object({
  version: z.literal(1),
  mailbox: z.string(),
  uid_validity: z.string(),
  uid: z.number().int().positive(),
  flags: z.array(z.string()),
  modseq: z.string().regex(/^\d+$/),
});

export type MailFlagsChanged = z.infer<typeof mailFlagsChangedSchema>;
