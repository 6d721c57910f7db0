import type { VersionPrecondition } from '../commands/change-identity.ts';

/** An identity's version as an entity tag: its last stream sequence, quoted. */
export function entityTag(sequence: number): string {
  return `"${sequence}"`;
}

/**
 * Reads `If-Match` (RFC 9110 §13.1.1). `*` matches any existing identity; otherwise one of the
 * listed strong tags must name the current sequence. Weak tags never match, as the RFC asks for
 * strong comparison, and an unreadable header matches nothing rather than being ignored.
 */
export function parseIfMatch(header: string | undefined): VersionPrecondition | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return { matches: () => true };
  const sequences = new Set<number>();
  for (const tag of value.split(',')) {
    const match = /^"(\d{1,15})"$/.exec(tag.trim());
    if (match?.[1]) sequences.add(Number(match[1]));
  }
  return { matches: (sequence) => sequences.has(sequence) };
}
