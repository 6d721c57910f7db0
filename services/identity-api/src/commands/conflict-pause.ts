import { setTimeout as delay } from 'node:timers/promises';

/**
 * A short random pause before deciding again after a version conflict: writers that collided
 * on one subject would otherwise read and collide again in lockstep.
 */
export function pauseAfterConflict(attempt: number): Promise<void> {
  return delay(Math.random() * 5 * attempt);
}
