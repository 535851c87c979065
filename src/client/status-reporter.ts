// The connection's status as its users see it: what the transport lifecycle reports (phase, error, next
// retry), plus the two facts the driver adds, the number of messages not yet completed and the store's last
// write failure. Every change is a 'status' event; while offline, changes of the queue depth alone are
// reported too, at most every 500 ms (a burst of publishes makes one event, not one per message).
import type { StoreWriteError } from '../session';
import type { StatusUpdate } from './transport-lifecycle';
import type { ConnectionPhase, ConnectionStatus } from './types';

const QUEUE_REPORT_INTERVAL_MS = 500;

export interface StatusHooks {
  /** Messages not yet completed: queued while offline plus in flight. */
  queued(): number;
  emit(status: ConnectionStatus): void;
  /** The driver was disposed: a queue depth change still pending is not reported. */
  disposed(): boolean;
}

export class StatusReporter {
  private current: ConnectionStatus = { phase: 'idle', queued: 0 };
  /** The last store write failure, until a write succeeds again. */
  private storeError: StoreWriteError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly hooks: StatusHooks) {}

  get phase(): ConnectionPhase {
    return this.current.phase;
  }

  /** The status, with the queue depth of now. */
  get status(): ConnectionStatus {
    return { ...this.current, queued: this.hooks.queued() };
  }

  /** A new phase: reported with the queue depth and the store's health. */
  set(update: StatusUpdate): void {
    const queued = this.hooks.queued();
    this.current = this.storeError ? { ...update, storeError: this.storeError, queued } : { ...update, queued };
    this.hooks.emit(this.current);
  }

  /** A store write failed (the error) or succeeded again (undefined): reported in the current phase. */
  storeHealth(error: StoreWriteError | undefined): void {
    this.storeError = error;
    const { storeError: _previous, queued: _queued, ...update } = this.current;
    this.set(update);
  }

  /** The queue depth may have changed: while offline, report it after the interval (one timer at a time). */
  queueChanged(): void {
    if (this.current.phase === 'connected' || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const queued = this.hooks.queued();
      if (this.current.queued !== queued && !this.hooks.disposed()) {
        this.current = { ...this.current, queued };
        this.hooks.emit(this.current);
      }
    }, QUEUE_REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  /** No more queue depth reports (the driver is being disposed); phases are still reported. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
