// What the socket (TCP, TLS) and WebSocket transports share: waiting for the underlying connection to be
// ready (failing on error, early close, abort or timeout, and abandoning it then so nothing half-open
// remains), and closing (a graceful end bounded by a timeout, destroy, and one close event that says why:
// the first error seen, nothing when we closed on purpose, "closed by the server" otherwise).
import type { TransportError } from '../errors';
import { abortedError, closedByPeerError, timeoutError, type ErrorContext } from './map-error';
import { BaseTransport, DEFAULT_END_TIMEOUT_MS, type OpenOptions } from './transport';

/** The part of a net.Socket or a ws WebSocket that waiting for readiness uses. */
interface Emitter {
  once(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

export interface ReadyWait {
  /** The event that means "connected": 'connect', 'secureConnect', 'open'. */
  ready: string;
  ctx: ErrorContext;
  opts: OpenOptions;
  /** The underlying library's error, as a TransportError. */
  mapError(err: Error): TransportError;
  /** Tears down the attempt (destroy / terminate) after a failure. */
  abandon(): void;
}

/** Resolves on `wait.ready`; rejects with a TransportError on error, close, abort or timeout (after abandoning). */
export function awaitReady(source: Emitter, wait: ReadyWait): Promise<void> {
  const { ctx, opts } = wait;
  return new Promise<void>((resolve, reject) => {
    const fail = (err: TransportError): void => {
      cleanup();
      wait.abandon();
      reject(err);
    };
    const onError = (err: Error): void => fail(wait.mapError(err));
    const onClose = (): void => fail(closedByPeerError(ctx));
    const onAbort = (): void => fail(abortedError(ctx));
    const timer = setTimeout(() => fail(timeoutError(ctx, opts.timeoutMs)), opts.timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    function cleanup(): void {
      clearTimeout(timer);
      source.off('error', onError);
      source.off('close', onClose);
      source.off(wait.ready, onReady);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    source.once('error', onError);
    source.once('close', onClose);
    source.once(wait.ready, onReady);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A transport over a stream that closes asynchronously and reports it with its own close event. */
export abstract class StreamTransport extends BaseTransport {
  /** We are closing on purpose (end() or destroy() without an error): write no more. */
  protected closing = false;
  private failure: TransportError | undefined;

  constructor(protected readonly ctx: ErrorContext) {
    super();
  }

  /** Starts a graceful close (FIN, WebSocket close frame). */
  protected abstract closeGracefully(): void;
  /** Closes at once. */
  protected abstract kill(): void;

  async end(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.kill(), options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS);
    this.closeGracefully();
    await closed;
    clearTimeout(timer);
  }

  destroy(error?: TransportError): void {
    if (error) this.failure ??= error;
    else this.closing = true;
    this.kill();
  }

  /** The underlying stream failed; the first failure is what the close event reports. */
  protected noteFailure(error: TransportError): void {
    this.failure ??= error;
  }

  /** The underlying stream closed: emit the one close event, saying why. */
  protected underlyingClosed(): void {
    if (this.failure) this.emitClose(this.failure);
    else if (this.closing) this.emitClose();
    else this.emitClose(closedByPeerError(this.ctx));
  }
}
