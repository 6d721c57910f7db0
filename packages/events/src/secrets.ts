import { z } from 'zod';

/** A secret sealed with AES-256-GCM; `kid` names the key that can open it. */
export const sealedSecretSchema = z.object({
  alg: z.literal('A256GCM'),
  kid: z.string().min(1),
  iv: z.string().min(1),
  tag: z.string().min(1),
  ct: z.string(),
});

export type SealedSecret = z.infer<typeof sealedSecretSchema>;
