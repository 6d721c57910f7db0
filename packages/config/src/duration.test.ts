import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { durationMs } from './duration.ts';

const shape = { PAUSE: durationMs().default(1234) };

describe('durationMs', () => {
  it('reads hours, minutes, seconds, days and bare milliseconds', () => {
    const read = (PAUSE: string) => loadConfig(shape, { PAUSE }).PAUSE;
    expect(read('72h')).toBe(72 * 3600_000);
    expect(read('30m')).toBe(1_800_000);
    expect(read(' 10s ')).toBe(10_000);
    expect(read('1.5d')).toBe(129_600_000);
    expect(read('250')).toBe(250);
  });

  it('takes the default when the variable is unset', () => {
    expect(loadConfig(shape, {}).PAUSE).toBe(1234);
  });

  it('refuses zero, a negative and an unreadable duration, naming the variable', () => {
    for (const PAUSE of ['0', '-5s', 'soon', '']) {
      expect(() => loadConfig(shape, { PAUSE }), PAUSE).toThrow(ConfigError);
      expect(() => loadConfig(shape, { PAUSE })).toThrow(/PAUSE: expected a positive duration/);
    }
  });
});
