import ms from 'ms';
import { z } from 'zod';

/**
 * A variable that holds a length of time as people write it (`72h`, `30m`, `10s`, `1.5d`; a
 * bare number is milliseconds), parsed to milliseconds. Zero, negative and unreadable values
 * are refused, so that a typo fails the start instead of setting a timer of NaN.
 */
export function durationMs() {
  return z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined || !Number.isFinite(value) || value <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a positive duration such as 72h, 30m or 10s, got "${text}"`,
      });
      return z.NEVER;
    }
    return value;
  });
}

// `ms` answers undefined for most text it cannot read, but throws on an empty string.
function parse(text: string): number | undefined {
  try {
    return ms(text.trim() as ms.StringValue) as number | undefined;
  } catch {
    return undefined;
  }
}
