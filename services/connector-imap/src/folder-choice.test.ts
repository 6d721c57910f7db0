import { describe, expect, it } from 'vitest';
import type { MailboxCheckpoint } from './checkpoints.ts';
import { chooseFolders, findRenames, type ListedFolder } from './folder-choice.ts';

function folder(path: string, more: Partial<ListedFolder> = {}, validity?: number): ListedFolder {
  return {
    path,
    flags: new Set(),
    ...more,
    ...(validity === undefined ? {} : { status: { uidValidity: BigInt(validity), uidNext: 1 } }),
  };
}

function known(entries: [string, number][]): Map<string, MailboxCheckpoint> {
  return new Map(entries.map(([path, v]) => [path, { uid_validity: String(v), last_uid: 9 }]));
}

describe('chooseFolders', () => {
  const listed = [
    folder('INBOX'),
    folder('Archive'),
    folder('Junk', { specialUse: '\\Junk' }),
    folder('Trash', { specialUse: '\\Trash' }),
    folder('Parent', { flags: new Set(['\\Noselect']) }),
    folder('Gone', { flags: new Set(['\\NonExistent']) }),
    folder('[Work] "Q1"'),
  ];

  it('leaves out INBOX, unselectable names, Junk and Trash by default', () => {
    const chosen = chooseFolders(listed, { includeJunk: false, includeTrash: false });
    expect(chosen.map((f) => f.path)).toEqual(['Archive', '[Work] "Q1"']);
  });

  it('takes Junk and Trash in when asked', () => {
    const chosen = chooseFolders(listed, { includeJunk: true, includeTrash: true });
    expect(chosen.map((f) => f.path)).toEqual(['Archive', 'Junk', 'Trash', '[Work] "Q1"']);
  });
});

describe('findRenames', () => {
  it('pairs a vanished folder with a new one of the same UIDVALIDITY', () => {
    const renames = findRenames(known([['Archive', 7]]), [folder('Archive 2025', {}, 7)]);
    expect(renames).toEqual([{ from: 'Archive', to: 'Archive 2025' }]);
  });

  it('guesses nothing when the UIDVALIDITY differs or is shared', () => {
    expect(findRenames(known([['Archive', 7]]), [folder('Other', {}, 8)])).toEqual([]);
    const shared = known([
      ['A', 7],
      ['B', 7],
    ]);
    expect(findRenames(shared, [folder('C', {}, 7)])).toEqual([]);
    expect(findRenames(known([['A', 7]]), [folder('C', {}, 7), folder('D', {}, 7)])).toEqual([]);
  });

  it('never takes INBOX or a folder still listed for a rename', () => {
    const checkpoints = known([
      ['INBOX', 7],
      ['Kept', 8],
    ]);
    expect(findRenames(checkpoints, [folder('Kept', {}, 8), folder('New', {}, 7)])).toEqual([]);
  });
});
