import { describe, expect, it } from 'vitest';
import { RetrySchedule } from './retry-schedule.ts';

describe('RetrySchedule', () => {
  it('doubles the delay after each failure up to the cap, with jitter in the upper half', () => {
    const schedule = new RetrySchedule({ baseMs: 100, maxMs: 1000, random: () => 1 });
    const delays = Array.from({ length: 6 }, () => schedule.schedule('a', () => undefined));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    const low = new RetrySchedule({ baseMs: 100, random: () => 0 });
    expect(low.schedule('a', () => undefined)).toBe(50);
    schedule.cancelAll();
    low.cancelAll();
  });

  it('starts again from the first delay after a success', () => {
    const schedule = new RetrySchedule({ baseMs: 100, random: () => 1 });
    schedule.schedule('a', () => undefined);
    schedule.schedule('a', () => undefined);
    schedule.succeeded('a');
    expect(schedule.schedule('a', () => undefined)).toBe(100);
    schedule.cancelAll();
  });

  it('runs the retry once its delay has passed', async () => {
    const schedule = new RetrySchedule({ baseMs: 10 });
    await new Promise<void>((resolve) => schedule.schedule('a', resolve));
  });
});
