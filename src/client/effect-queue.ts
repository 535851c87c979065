// Applies the session's effects in order, the way docs/session.md asks: store writes start at once (in
// order) and every other effect waits until the store writes before it have committed ("persist before
// send, deliver after the store commits"). A batch without store writes runs synchronously, so the hot
// path (QoS 0, acks, pings) creates no promise. Effects produced while a batch is applied queue behind it.
//
// Each batch carries a tag given by the caller (the driver passes the transport the batch was produced for)
// and every effect is applied with its batch's tag, so a send that waited for a slow store write can tell
// that its transport is gone and must not be written to the next one, before that one's CONNECT.
import type { Effect } from '../session';

const STORE_EFFECTS = new Set(['persist', 'unpersist', 'persistIncoming', 'unpersistIncoming']);

export function isStoreEffect(e: { kind: string }): boolean {
  return STORE_EFFECTS.has(e.kind);
}

export interface EffectSinks<H, T> {
  /** A store effect; resolves when committed, or when its failure was handled (it never rejects). */
  store(e: Effect<H>): Promise<void>;
  /** Any other effect, with the tag of the batch it came in. */
  apply(e: Effect<H>, tag: T): void;
  /** Every effect enqueued so far has been applied. */
  idle?(): void;
}

interface Batch<H, T> {
  fx: Effect<H>[];
  tag: T;
}

export class EffectQueue<H, T = undefined> {
  private pending: Array<Batch<H, T>> = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly sinks: EffectSinks<H, T>) {}

  enqueue(fx: Effect<H>[], tag: T): void {
    if (fx.length === 0) return;
    if (this.draining || this.pending.length > 0 || fx.some(isStoreEffect)) {
      this.pending.push({ fx, tag });
      if (!this.draining) this.pump();
      return;
    }
    this.applySync(fx, tag); // the hot path: no batch object, no promise
    this.pump();
  }

  /** Applies waiting batches without store writes at once; hands over to drain() at the first with one. */
  private pump(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      if (head.fx.some(isStoreEffect)) {
        void this.drain();
        return;
      }
      this.pending.shift();
      this.applySync(head.fx, head.tag);
    }
    this.notifyIdle();
  }

  private applySync(fx: Effect<H>[], tag: T): void {
    this.draining = true; // effects enqueued by an effect queue up behind this batch
    try {
      for (const e of fx) this.sinks.apply(e, tag);
    } finally {
      this.draining = false;
    }
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
        const batches = this.pending;
        this.pending = [];
        const writes: Array<Promise<void>> = [];
        for (const b of batches) for (const e of b.fx) if (isStoreEffect(e)) writes.push(this.sinks.store(e));
        if (writes.length > 0) await Promise.all(writes);
        for (const b of batches) for (const e of b.fx) if (!isStoreEffect(e)) this.sinks.apply(e, b.tag);
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
