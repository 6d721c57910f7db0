import { describe, expect, it } from 'vitest';
import { PublishWindow } from './publish-window.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PublishWindow', () => {
  it('confirms only a prefix whose every publication succeeded', async () => {
    const window = new PublishWindow<number>(10);
    const [a, b, c] = [deferred(), deferred(), deferred()];
    await window.push(1, a.promise);
    await window.push(2, b.promise);
    await window.push(3, c.promise);
    c.resolve();
    a.resolve();
    b.reject(new Error('publish 2 failed'));
    await expect(window.drain()).rejects.toThrow('publish 2 failed');
    expect(window.confirmed).toBe(1);
  });

  it('waits for the oldest publication once the window is full', async () => {
    const window = new PublishWindow<number>(2);
    const first = deferred();
    await window.push(1, first.promise);
    let pushed = false;
    const second = window.push(2, Promise.resolve()).then(() => (pushed = true));
    await new Promise((r) => setImmediate(r));
    expect(pushed).toBe(false);
    first.resolve();
    await second;
    expect(window.confirmed).toBe(1);
    await window.drain();
    expect(window.confirmed).toBe(2);
  });
});
