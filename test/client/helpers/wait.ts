// Waiting for events in tests: every wait has a timeout, so a missing event fails the test instead of
// hanging it, and no test sleeps in place of an event.
import type { EventEmitter } from 'node:events';
import type { ClientWarning, ConnectionStatus, MqttConnection } from '../../../src/client/types';

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

/** Resolves with the connection's status once `predicate` holds for it (at once if it already does). */
export function statusUntil(c: MqttConnection, predicate: (s: ConnectionStatus) => boolean, ms = 3000): Promise<ConnectionStatus> {
  if (predicate(c.status)) return Promise.resolve(c.status);
  return withTimeout(
    new Promise((resolve) => {
      const on = (s: ConnectionStatus): void => {
        if (!predicate(s)) return;
        c.off('status', on);
        resolve(s);
      };
      c.on('status', on);
    }),
    ms,
    'connection status',
  );
}

/** Every warning the connection emits from now on, in order: for assertions after the fact. */
export function warnings(c: MqttConnection): ClientWarning[] {
  const list: ClientWarning[] = [];
  c.on('warning', (w) => list.push(w));
  return list;
}

/** What a handler received, in order; wait(n) resolves once n have arrived (at once if they have). */
export class Arrivals<T> {
  readonly got: T[] = [];
  private waiters: Array<() => void> = [];

  /** `what` names the items in a timeout message ("3 deliveries"). */
  constructor(private readonly what: string) {}

  /** Records one arrival: pass it as the handler (it is bound). */
  readonly add = (item: T): void => {
    this.got.push(item);
    for (const w of this.waiters.splice(0)) w();
  };

  wait(n: number, ms = 3000): Promise<void> {
    // Text items are listed in the timeout message; others are counted.
    const have = this.got.every((g) => typeof g === 'string') ? JSON.stringify(this.got) : String(this.got.length);
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => (this.got.length >= n ? resolve() : void this.waiters.push(check));
        check();
      }),
      ms,
      `${n} ${this.what} (have ${have})`,
    );
  }
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
