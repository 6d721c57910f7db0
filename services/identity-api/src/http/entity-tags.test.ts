import { describe, expect, it } from 'vitest';
import { entityTag, parseIfMatch } from './entity-tags.ts';

describe('If-Match', () => {
  it('matches the quoted sequence that entityTag produced', () => {
    expect(parseIfMatch(entityTag(42))?.matches(42)).toBe(true);
    expect(parseIfMatch(entityTag(42))?.matches(43)).toBe(false);
  });

  it('matches any listed tag, and anything for *', () => {
    expect(parseIfMatch('"1", "7"')?.matches(7)).toBe(true);
    expect(parseIfMatch('*')?.matches(99)).toBe(true);
  });

  it('never matches a weak or unreadable tag', () => {
    expect(parseIfMatch('W/"5"')?.matches(5)).toBe(false);
    expect(parseIfMatch('5')?.matches(5)).toBe(false);
  });

  it('sets no condition without the header', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });
});
