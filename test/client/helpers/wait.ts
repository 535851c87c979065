// Waiting for events in tests: every wait has a timeout, so a missing event fails the test instead of
// hanging it, and no test sleeps in place of an event.
import type { EventEmitter } from 'node:events';

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event`; rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, ms = 3000): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T))),
    ms,
    `event "${event}"`,
  );
}

/** Resolves when `predicate` holds after one of `emitter`'s `event`s (or already holds). */
export function until(emitter: EventEmitter, event: string, predicate: () => boolean, ms = 3000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!predicate()) return;
        emitter.off(event, check);
        resolve();
      };
      emitter.on(event, check);
    }),
    ms,
    `condition after "${event}"`,
  );
}

/** A promise with its resolve function exposed, for handing results out of callbacks. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
