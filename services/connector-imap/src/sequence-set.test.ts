import { describe, expect, it } from 'vitest';
import { sequenceSet } from './mailbox-sync.ts';

describe('sequenceSet', () => {
  it('folds runs of UIDs into ranges and keeps lone ones', () => {
    expect(sequenceSet([1, 2, 3, 7, 9, 10])).toBe('1:3,7,9:10');
    expect(sequenceSet([42])).toBe('42');
  });
});
