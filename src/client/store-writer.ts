// The driver's store writes, and what a failed one means (docs/session.md, "Store write failures"): never
// silent, and never a message that goes on as if it were durable.
// - An outgoing message whose record could not be written is failed with StoreWriteError and not sent:
//   the session takes it out, and its PUBLISH (already produced, waiting for that write) is dropped here.
//   QoS 2 past PUBREC is the exception: the server has the message, so it completes as usual.
// - An incoming QoS 2 id that could not be written is neither delivered nor acknowledged (no PUBREC), and
//   the connection is closed, so the server sends the message again later.
// - A failed removal fails nothing (at worst a message is sent again after a restart): a warning.
// Every failure is a `store` warning and shows in the connection status until a record is written again.
import type { ClientSession, Effect } from '../session';
import { StoreWriteError } from '../session';
import type { SessionStore } from '../store';
import type { ClientWarning } from './types';

export interface StoreWriterHooks<H> {
  readonly session: Pick<ClientSession<H>, 'outgoingStoreFailed' | 'incomingStoreFailed'>;
  /** The store to write to (may still be opening; an open failure is a write failure). */
  store(): SessionStore | Promise<SessionStore>;
  now(): number;
  /** Effects the session returned for a failure (they queue behind the current batch). */
  enqueue(fx: Effect<H>[]): void;
  warn(warning: ClientWarning): void;
  /** The store started failing (the error) or wrote successfully again (undefined). */
  health(error: StoreWriteError | undefined): void;
  /** An incoming QoS 2 message could not be recorded: close the connection without acknowledging it. */
  refuseIncoming(error: StoreWriteError): void;
}

export class StoreWriter<H> {
  /** Outgoing messages failed since the effect queue was last idle: their PUBLISHes are dropped. */
  private readonly failedSeqs = new Set<number>();
  /** Incoming QoS 2 ids whose write failed: not delivered, not acknowledged. */
  private readonly failedIncoming = new Map<number, StoreWriteError>();
  private failing: StoreWriteError | undefined;
  private warnings = 0;

  constructor(private readonly hooks: StoreWriterHooks<H>) {}

  /** Applies one store effect; resolves (never rejects) once it committed or its failure was handled. */
  async write(e: Effect<H>): Promise<void> {
    if (e.kind === 'persistIncoming' && this.failedIncoming.size > 0) this.failedIncoming.delete(e.packetId); // a new attempt
    try {
      const store = await this.hooks.store();
      if (e.kind === 'persist') await store.putOutgoing(e.record);
      else if (e.kind === 'unpersist') await store.removeOutgoing(e.seq);
      else if (e.kind === 'persistIncoming') await store.putIncoming(e.packetId);
      else if (e.kind === 'unpersistIncoming') await store.removeIncoming(e.packetId);
      // Only a record written proves the store can keep messages again (a full disk may still allow removals).
      if (this.failing && (e.kind === 'persist' || e.kind === 'persistIncoming')) {
        this.failing = undefined;
        this.hooks.health(undefined);
      }
    } catch (err) {
      this.failed(e, err);
    }
  }

  /**
   * False for an effect that must not be applied: a PUBLISH of a message failed by a store write, the
   * delivery of an incoming QoS 2 message whose id could not be stored, and its PUBREC (where the
   * connection is closed instead).
   */
  allows(e: Effect<H>): boolean {
    if (this.failedSeqs.size === 0 && this.failedIncoming.size === 0) return true;
    if (e.kind === 'send') {
      if (e.seq !== undefined) return !this.failedSeqs.has(e.seq);
      if (e.packet.type !== 'pubrec') return true;
      const error = this.failedIncoming.get(e.packet.packetId);
      if (error) this.hooks.refuseIncoming(error);
      return error === undefined;
    }
    if (e.kind === 'deliver' && e.packet.qos === 2) return !this.failedIncoming.has(e.packet.packetId!);
    return true;
  }

  /** The effect queue is empty: no effect produced before a failure is left, so what it blocked can go. */
  idle(): void {
    if (this.failedSeqs.size > 0) this.failedSeqs.clear();
    if (this.failedIncoming.size > 0) this.failedIncoming.clear();
  }

  private failed(e: Effect<H>, cause: unknown): void {
    const error = cause instanceof StoreWriteError ? cause : new StoreWriteError(cause);
    let message: string;
    if (e.kind === 'persist') {
      this.failedSeqs.add(e.record.seq);
      this.hooks.enqueue(this.hooks.session.outgoingStoreFailed(e.record.seq, error, this.hooks.now()));
      message = e.record.stage === 'pubrel'
        ? `${error.message} (QoS 2 message to "${e.record.topic}" past PUBREC: it completes, but is not durable)`
        : `${error.message} (publish to "${e.record.topic}" failed and not sent)`;
    } else if (e.kind === 'persistIncoming') {
      this.failedIncoming.set(e.packetId, error);
      this.hooks.enqueue(this.hooks.session.incomingStoreFailed(e.packetId, this.hooks.now()));
      message = `${error.message} (incoming QoS 2 message ${e.packetId} not acknowledged: disconnecting so the server sends it again)`;
    } else {
      message = `${error.message} (removing a finished message failed: it may be sent or expected again after a restart)`;
    }
    this.warnings++;
    this.hooks.warn({ code: 'store', message, count: this.warnings });
    if (!this.failing) {
      this.failing = error;
      this.hooks.health(error);
    }
  }
}
