import type { MailboxCheckpoint } from './checkpoints.ts';

/** A folder as LIST (with STATUS) shows it; the shape imapflow's ListResponse has. */
export interface ListedFolder {
  path: string;
  flags: Set<string>;
  specialUse?: string;
  status?: { uidNext?: number; uidValidity?: bigint | number | string; highestModseq?: bigint };
}

export interface FolderChoiceOptions {
  includeJunk: boolean;
  includeTrash: boolean;
}

/** Attributes of a name that holds no messages (a parent only, or a name that is gone). */
const UNSELECTABLE = ['\\Noselect', '\\NonExistent'];

/**
 * The folders a poll goes through: every selectable folder but INBOX, which has a connection
 * of its own, and but Junk and Trash unless the identity asked for them (spam and deleted mail
 * are not what people connect a mailbox for).
 */
export function chooseFolders<T extends ListedFolder>(
  listed: readonly T[],
  { includeJunk, includeTrash }: FolderChoiceOptions,
): T[] {
  return listed.filter((folder) => {
    if (folder.path.toUpperCase() === 'INBOX') return false;
    if (UNSELECTABLE.some((flag) => folder.flags.has(flag))) return false;
    if (folder.specialUse === '\\Junk' && !includeJunk) return false;
    if (folder.specialUse === '\\Trash' && !includeTrash) return false;
    return true;
  });
}

/**
 * Which listed folders are known folders under a new name: a folder with a checkpoint that is
 * no longer listed, and a listed folder without one, that share a UIDVALIDITY. A rename keeps
 * the UIDVALIDITY (RFC 3501 ties UIDs to the mailbox, not to its name). Where several folders
 * share one, nothing is guessed: they count as new, and content recognition cannot help there,
 * so the LIMITATION is that such a rename publishes its folder again.
 */
export function findRenames(
  known: ReadonlyMap<string, MailboxCheckpoint>,
  listed: readonly ListedFolder[],
): { from: string; to: string }[] {
  const listedPaths = new Set(listed.map((folder) => folder.path));
  const vanished = new Map<string, string[]>();
  for (const [path, checkpoint] of known) {
    if (listedPaths.has(path) || path.toUpperCase() === 'INBOX') continue;
    vanished.set(checkpoint.uid_validity, [...(vanished.get(checkpoint.uid_validity) ?? []), path]);
  }
  const fresh = new Map<string, string[]>();
  for (const folder of listed) {
    const validity = folder.status?.uidValidity;
    if (known.has(folder.path) || validity === undefined) continue;
    fresh.set(String(validity), [...(fresh.get(String(validity)) ?? []), folder.path]);
  }
  const renames: { from: string; to: string }[] = [];
  for (const [validity, [from, ...moreFrom]] of vanished) {
    const [to, ...moreTo] = fresh.get(validity) ?? [];
    if (from && to && moreFrom.length === 0 && moreTo.length === 0) renames.push({ from, to });
  }
  return renames;
}
