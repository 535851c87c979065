// Applies the session's effects in order, the way docs/session.md asks: store writes start at once (in
// order) and every other effect waits until the store writes before it have committed ("persist before
// send, deliver after the store commits"). A batch without store writes runs synchronously, so the hot
// path (QoS 0, acks, pings) creates no promise. Effects produced while a batch is applied queue behind it.
import type { Effect } from '../session';

const STORE_EFFECTS = new Set(['persist', 'unpersist', 'persistIncoming', 'unpersistIncoming']);

export function isStoreEffect(e: { kind: string }): boolean {
  return STORE_EFFECTS.has(e.kind);
}

export interface EffectSinks<H> {
  /** A store effect; resolves when committed, or when its failure was handled (it never rejects). */
  store(e: Effect<H>): Promise<void>;
  /** Any other effect. */
  apply(e: Effect<H>): void;
  /** Every effect enqueued so far has been applied. */
  idle?(): void;
}

export class EffectQueue<H> {
  private pending: Effect<H>[] = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly sinks: EffectSinks<H>) {}

  enqueue(fx: Effect<H>[]): void {
    if (fx.length === 0) return;
    if (this.draining) {
      for (const e of fx) this.pending.push(e);
      return;
    }
    if (!fx.some(isStoreEffect)) {
      this.draining = true;
      try {
        for (const e of fx) this.sinks.apply(e);
      } finally {
        this.draining = false;
      }
      const next = this.pending;
      this.pending = [];
      if (next.length > 0) this.enqueue(next);
      else this.notifyIdle();
      return;
    }
    this.pending = fx;
    void this.drain();
  }

  /** Resolves when every effect enqueued so far has been applied (store writes committed). */
  settled(): Promise<void> {
    if (!this.draining && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        const writes: Array<Promise<void>> = [];
        for (const e of batch) if (isStoreEffect(e)) writes.push(this.sinks.store(e));
        if (writes.length > 0) await Promise.all(writes);
        for (const e of batch) if (!isStoreEffect(e)) this.sinks.apply(e);
      }
    } finally {
      this.draining = false;
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    this.sinks.idle?.();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
