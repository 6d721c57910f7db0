import { z } from 'zod';
import { AddressPolicy, parseAllowedPrivateHosts } from './address-policy.ts';

/** The variable of every service that reaches or accepts mail servers. */
export const destinationsEnv = {
  /**
   * Comma-separated hostnames, IP addresses or CIDRs that a mail server may resolve to although
   * they are private (loopback, RFC 1918, ULA, link local, CGNAT ...). Empty by default: only
   * public addresses are reached. A metadata address opens only when listed exactly.
   */
  ALLOWED_PRIVATE_HOSTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = parseAllowedPrivateHosts(value);
      try {
        new AddressPolicy(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      return entries;
    }),
};
