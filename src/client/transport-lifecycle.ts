// One transport after another, for the connection driver: opening it (after the store is loaded, bounded by
// the connect timeout, abortable), attaching it to a Wire, recording why it ends before its close event
// arrives, and then planning the next attempt (reconnect policy) or staying down. The driver
// (connection.ts) feeds the session and applies its effects; this part sees no packets except the
// DISCONNECT it is handed to send before closing.
import type { DisconnectPacket, Packet } from '../codec/types';
import type { ConnectionOptions } from './options';
import type { ConnectionOutcome } from './reconnect';
import { ReconnectTimer } from './reconnect-timer';
import { openTransport, type Transport, type TransportCloseInfo } from './transports';
import type { ClientWarning, ConnectionStatus } from './types';
import { Wire } from './wire';

/** A status change as the lifecycle sees it (the driver adds the queue depth and the store's health). */
export type StatusUpdate = Omit<ConnectionStatus, 'queued' | 'storeError'>;

export interface LifecycleHooks {
  readonly options: ConnectionOptions;
  now(): number;
  /** Every attempt waits for this first (the session store loading); a rejection fails the attempt. */
  ready(): Promise<unknown>;
  /** A decoded packet from the current transport. */
  packet(packet: Packet): void;
  /** Bytes from the current transport that could not be framed or decoded. */
  malformed(error: unknown): void;
  /** A transport was attached: send CONNECT. */
  opened(): void;
  /** The current transport closed, for any reason; called before the next attempt is planned. */
  lost(): void;
  status(update: StatusUpdate): void;
  warn(warning: ClientWarning): void;
  /** The client id in use, for the kick-loop warning. */
  clientId(): string;
  /** The driver was disposed: no status changes any more. */
  disposed(): boolean;
}

export class TransportLifecycle {
  /** The attached transport, framed; undefined between transports. */
  wire: Wire | undefined;
  private attempt: AbortController | undefined;
  private readonly reconnect = new ReconnectTimer();
  private wantOpen = false;
  private connectedAt: number | undefined;
  /** Why the current transport is ending, decided before its close event arrives. */
  private endReason: { error?: Error; outcome?: ConnectionOutcome } = {};

  constructor(private readonly hooks: LifecycleHooks) {}

  /** Starts connecting (and reconnecting per the options) unless already under way. */
  open(): void {
    if (this.wantOpen) return;
    this.wantOpen = true;
    if (!this.wire && !this.attempt && !this.reconnect.pending) void this.connectOnce();
  }

  /** Stops wanting a connection: no reconnect, an attempt under way is aborted. Returns the open transport. */
  stop(): Transport | undefined {
    this.wantOpen = false;
    this.reconnect.cancel();
    this.attempt?.abort();
    return this.wire?.transport;
  }

  /** Resolves when `transport` closes; it is destroyed if that takes longer than `timeoutMs`. */
  closedWithin(transport: Transport, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const deadline = setTimeout(() => transport.destroy(), timeoutMs);
      transport.once('close', () => {
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  /** We are ending the transport on purpose (DISCONNECT): its close is not a failure. */
  endingOnPurpose(): void {
    this.endReason = {};
  }

  /** CONNACK accepted the connection: from now on its loss counts from this moment. */
  connected(): void {
    this.connectedAt = this.hooks.now();
  }

  /** The outcome of losing the current connection now (with the server's reason code, if it sent one). */
  lostOutcome(reasonCode: number | undefined): ConnectionOutcome {
    if (this.connectedAt === undefined) return { kind: 'failed' };
    const lost: ConnectionOutcome = { kind: 'lost', connectedForMs: this.hooks.now() - this.connectedAt };
    if (reasonCode !== undefined) lost.reasonCode = reasonCode;
    return lost;
  }

  /** Records why the transport ends and closes it; the close event finishes the job. */
  end(error: Error, outcome: ConnectionOutcome): void {
    if (!this.endReason.error) this.endReason = { error, outcome };
    this.wire?.transport.destroy();
  }

  /** Stops reading, sends `disconnect` (v5 only) and closes the transport; once per connection. */
  closeWithError(error: Error, disconnect: DisconnectPacket): void {
    const wire = this.wire;
    if (!wire || this.endReason.error) return;
    wire.stopReading();
    if (this.hooks.options.protocolVersion === 5) wire.send(disconnect);
    this.end(error, this.lostOutcome(undefined));
  }

  private async connectOnce(): Promise<void> {
    const { options } = this.hooks;
    const attempt = new AbortController();
    this.attempt = attempt;
    this.hooks.status({ phase: 'connecting' });
    let transport: Transport;
    try {
      await this.hooks.ready();
      transport = await openTransport(options.endpoint, { timeoutMs: options.connectTimeoutMs, signal: attempt.signal });
    } catch (err) {
      if (this.attempt === attempt) this.attempt = undefined;
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempt.signal.aborted || !this.wantOpen) return this.settleDown(attempt.signal.aborted ? undefined : error);
      return this.afterEnd(error, { kind: 'failed' });
    }
    this.attempt = undefined;
    if (!this.wantOpen) {
      transport.destroy();
      return;
    }
    this.attach(transport);
  }

  private attach(transport: Transport): void {
    const { options } = this.hooks;
    this.wire = new Wire(transport, options.protocolVersion, options.maximumPacketSize, {
      packet: (p) => this.hooks.packet(p),
      malformed: (err) => this.hooks.malformed(err),
    });
    this.endReason = {};
    this.connectedAt = undefined;
    transport.once('close', (info) => this.onTransportClose(transport, info));
    this.hooks.opened();
  }

  private onTransportClose(transport: Transport, info: TransportCloseInfo): void {
    if (this.wire?.transport !== transport) return;
    this.wire.release();
    this.wire = undefined;
    const { error, outcome } = this.endReason;
    this.endReason = {};
    this.hooks.lost();
    const why = error ?? info.error;
    if (!this.wantOpen) return this.settleDown(why);
    this.afterEnd(why, outcome ?? this.lostOutcome(undefined));
  }

  /** Plans the next attempt (or stays down when reconnecting is off). */
  private afterEnd(error: Error | undefined, outcome: ConnectionOutcome): void {
    this.connectedAt = undefined;
    const policy = this.hooks.options.reconnect;
    if (!policy) {
      this.wantOpen = false;
      return this.settleDown(error);
    }
    const now = this.hooks.now();
    const plan = this.reconnect.schedule(policy, outcome, now, () => {
      if (this.wantOpen) void this.connectOnce();
    });
    if (plan.reason === 'kickLoop') {
      this.hooks.warn({
        code: 'kick-loop',
        message: `client id "${this.hooks.clientId()}" is repeatedly taken over by another connection (0x8E): another client uses the same client id`,
      });
    }
    this.hooks.status({ phase: 'reconnecting', ...(error ? { error } : {}), retryAt: now + plan.delayMs, retryInMs: plan.delayMs, retryReason: plan.reason });
  }

  private settleDown(error: Error | undefined): void {
    this.connectedAt = undefined;
    if (this.hooks.disposed()) return;
    this.hooks.status(error ? { phase: 'disconnected', error } : { phase: 'disconnected' });
  }
}
