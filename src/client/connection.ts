// The connection driver: the only client code that touches sockets, timers and stores. Bytes from the
// transport go framer -> decode -> session; the session's effects are applied in order (store writes
// commit before the sends and deliveries that follow them); one timer serves the session's deadlines
// (keepalive, CONNACK timeout, message expiry) and one the reconnect delay.
import { EventEmitter } from 'node:events';
import { encodedSize, MqttError } from '../codec';
import type { ConnackPacket, DisconnectPacket, QoS, SubackPacket, SubscribeProperties, Subscription, UnsubackPacket } from '../codec/types';
import { ClientSession, PublishWithdrawnError, type CommandResult, type Effect, type StoreWriteError } from '../session';
import type { MemorySessionData, SessionStore } from '../store';
import { buildConnect, serverInfoFrom } from './connect-packet';
import { EffectQueue } from './effect-queue';
import { refusalError, serverDisconnectError } from './end-errors';
import { ClientClosedError, TransportError } from './errors';
import { toPayload } from './messages';
import type { ConnectionOptions } from './options';
import type { ConnectionOutcome } from './reconnect';
import { ReconnectTimer } from './reconnect-timer';
import { Qos2ResendGuard } from './resend-guard';
import { openStore } from './store-choice';
import { StoreWriter } from './store-writer';
import { Wire } from './wire';
import { openTransport, type Transport, type TransportCloseInfo } from './transports';
import type {
  ConnectionEvents,
  ConnectionPhase,
  ConnectionStatus,
  MqttConnection,
  PublishMessage,
  PublishResult,
  ServerInfo,
} from './types';

interface Handle {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
const STATUS_THROTTLE_MS = 500;
/** Characters of an error message sent as a DISCONNECT Reason String. */
const MAX_REASON_STRING = 200;

export interface ConnectionDeps {
  /** A store instance to use instead of the one the options name (tests, or the pool's kept memory data). */
  store?: SessionStore;
  /** Kept memory-store data, so a redefined connection resumes what the previous one queued. */
  memoryData?: MemorySessionData;
  now?: () => number;
}

export class Connection extends EventEmitter implements MqttConnection {
  readonly options: ConnectionOptions;
  private readonly session: ClientSession<Handle>;
  private readonly now: () => number;
  private readonly storeReady: Promise<SessionStore>;
  private store: SessionStore | undefined;
  private wire: Wire | undefined;
  private attempt: AbortController | undefined;
  private sessionTimer: NodeJS.Timeout | undefined;
  private readonly reconnect = new ReconnectTimer();
  private statusTimer: NodeJS.Timeout | undefined;
  private wantOpen = false;
  private disposed = false;
  private connectedAt: number | undefined;
  /** Why the current transport is ending, decided before its close event arrives. */
  private endReason: { error?: Error; outcome?: ConnectionOutcome } = {};
  private current: ConnectionStatus = { phase: 'idle', queued: 0 };
  private serverInfo: ServerInfo | undefined;
  private clientId: string;
  private readonly storeWriter: StoreWriter<Handle>;
  private readonly effects: EffectQueue<Handle>;
  /** The last store write failure, until a write succeeds again (shown in the status). */
  private storeError: StoreWriteError | undefined;
  private droppedQos0 = 0;
  private readonly resendGuard = new Qos2ResendGuard();

  constructor(options: ConnectionOptions, deps: ConnectionDeps = {}) {
    super();
    this.options = options;
    this.clientId = options.clientId;
    this.now = deps.now ?? Date.now;
    this.session = new ClientSession<Handle>({
      protocolVersion: options.protocolVersion,
      maxQueuedMessages: options.queue.maxMessages,
      maxQueuedBytes: options.queue.maxBytes,
      qos0WhileOffline: options.queue.qos0,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    this.storeReady = this.loadStore(deps);
    this.storeReady.catch(() => undefined); // reported on first use
    this.storeWriter = new StoreWriter<Handle>({
      session: this.session,
      store: () => this.store ?? this.storeReady,
      now: this.now,
      enqueue: (fx) => this.enqueue(fx),
      warn: (w) => this.emit('warning', w),
      health: (error) => this.setStoreHealth(error),
      refuseIncoming: (error) => this.refuseIncoming(error),
    });
    this.effects = new EffectQueue<Handle>({
      store: (e) => this.storeWriter.write(e),
      apply: (e) => this.apply(e),
      idle: () => this.storeWriter.idle(),
    });
  }

  get status(): ConnectionStatus {
    return { ...this.current, queued: this.queued };
  }

  get server(): ServerInfo | undefined {
    return this.serverInfo;
  }

  /** Messages not yet completed: queued while offline plus in flight. */
  get queued(): number {
    return this.session.stats.messages;
  }

  open(): void {
    if (this.disposed) throw new ClientClosedError('connection disposed');
    if (this.wantOpen) return;
    this.wantOpen = true;
    if (!this.wire && !this.attempt && !this.reconnect.pending) void this.connectOnce();
  }

  publish(message: PublishMessage): Promise<PublishResult> {
    let qos: QoS = message.qos ?? 0;
    const max = this.serverInfo?.maximumQoS ?? 2;
    if (qos > max) {
      this.emit('warning', { code: 'qos-downgraded', message: `publish to "${message.topic}" sent at QoS ${max} (asked ${qos}): the server's Maximum QoS` });
      qos = max;
    }
    const outbound = { topic: message.topic, payload: toPayload(message.payload), qos, retain: message.retain ?? false };
    const properties = this.options.protocolVersion === 5 ? message.properties : undefined;
    const signal = message.signal;
    if (signal?.aborted) return Promise.reject(new PublishWithdrawnError(message.topic));
    return this.command<PublishResult>(
      (h, now) => {
        if (signal) this.withdrawOnAbort(h, signal);
        return this.session.publish(h, properties ? { ...outbound, properties } : outbound, now);
      },
      (r) => this.publishResult(r, qos),
    );
  }

  /** Aborting `signal` withdraws the publish from the session; the listener goes when the publish ends. */
  private withdrawOnAbort(handle: Handle, signal: AbortSignal): void {
    const onAbort = (): void => this.enqueue(this.session.withdraw(handle, this.now()));
    signal.addEventListener('abort', onAbort, { once: true });
    const { resolve, reject } = handle;
    handle.resolve = (r) => {
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    handle.reject = (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    };
  }

  subscribe(subscriptions: Subscription[], properties?: SubscribeProperties): Promise<SubackPacket> {
    return this.command<SubackPacket>(
      (h, now) => this.session.subscribe(h, properties ? { subscriptions, properties } : { subscriptions }, now),
      (r) => {
        if (r.kind !== 'subscribed') throw new Error(`unexpected result ${r.kind}`);
        const suback: SubackPacket = { type: 'suback', packetId: 0, reasonCodes: r.reasonCodes };
        if (r.properties) suback.properties = r.properties;
        return suback;
      },
    );
  }

  unsubscribe(topicFilters: string[]): Promise<UnsubackPacket> {
    return this.command<UnsubackPacket>(
      (h, now) => this.session.unsubscribe(h, { topicFilters }, now),
      (r) => {
        if (r.kind !== 'unsubscribed') throw new Error(`unexpected result ${r.kind}`);
        const unsuback: UnsubackPacket = { type: 'unsuback', packetId: 0 };
        if (r.reasonCodes) unsuback.reasonCodes = r.reasonCodes;
        if (r.properties) unsuback.properties = r.properties;
        return unsuback;
      },
    );
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.wantOpen = false;
    this.reconnect.cancel();
    this.attempt?.abort();
    const transport = this.wire?.transport;
    if (!transport) {
      if (this.current.phase !== 'idle' && this.current.phase !== 'closed') this.setStatus({ phase: 'disconnected' });
      return;
    }
    const closed = new Promise<void>((resolve) => transport.once('close', () => resolve()));
    const deadline = setTimeout(() => transport.destroy(), timeoutMs);
    try {
      if (this.current.phase === 'connected') await this.sendCloseMessage(timeoutMs / 2);
      if (!transport.closed) {
        this.endReason = {};
        this.enqueue(this.session.disconnect({ resolve: () => undefined, reject: () => undefined }, {}, this.now()));
      }
      await closed;
    } finally {
      clearTimeout(deadline);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.close();
    this.disposed = true;
    this.enqueue(this.session.shutdown(this.now()));
    await this.settled();
    this.clearSessionTimer();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.setStatus({ phase: 'closed' });
    const store = this.store ?? (await this.storeReady.catch(() => undefined));
    await store?.close().catch(() => undefined);
  }

  override on<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  // ---------------------------------------------------------------------------------------------
  // Commands and effects
  // ---------------------------------------------------------------------------------------------

  private command<T>(start: (h: Handle, now: number) => Effect<Handle>[], map: (r: CommandResult) => T): Promise<T> {
    if (this.disposed) return Promise.reject(new ClientClosedError('connection disposed'));
    return new Promise<T>((resolve, reject) => {
      const handle: Handle = {
        resolve: (r) => {
          try {
            resolve(map(r));
          } catch (err) {
            reject(err);
          }
        },
        reject,
      };
      this.enqueue(start(handle, this.now()));
      this.noteQueueChange();
    });
  }

  private publishResult(r: CommandResult, qos: QoS): PublishResult {
    if (r.kind === 'dropped') {
      this.droppedQos0++;
      this.emit('warning', { code: 'qos0-dropped', message: 'QoS 0 publish dropped while offline (queue.qos0 = drop)', count: this.droppedQos0 });
      return { qos: 0, reasonCode: 0, dropped: true };
    }
    if (r.kind !== 'published') throw new Error(`unexpected result ${r.kind}`);
    const result: PublishResult = { qos, reasonCode: r.reasonCode };
    if (r.properties?.reasonString !== undefined) result.reasonString = r.properties.reasonString;
    if (r.properties?.userProperties !== undefined) result.userProperties = r.properties.userProperties;
    return result;
  }

  private enqueue(fx: Effect<Handle>[]): void {
    this.effects.enqueue(fx);
  }

  /**
   * Resolves when every effect so far has been applied, store writes committed included: after
   * `publish()` then `settled()`, the message is durable in the store (accepted) even if it is not sent yet.
   */
  settled(): Promise<void> {
    return this.effects.settled();
  }

  private apply(e: Effect<Handle>): void {
    if (!this.storeWriter.allows(e)) return;
    switch (e.kind) {
      case 'send':
        if (e.packet.type === 'pubcomp') this.resendGuard.completedId(e.packet.packetId);
        return this.wire?.send(e.packet);
      case 'deliver':
        if (this.resendGuard.isResend(e.packet)) return;
        return void this.emit('message', e.packet);
      case 'complete': return this.complete(e.handle, e.result);
      case 'fail': return e.handle ? e.handle.reject(e.error) : undefined;
      case 'connected': return this.onConnected(e.connack);
      case 'connectRefused': return this.endTransport(refusalError(e.connack, this.options.protocolVersion), { kind: 'refused', reasonCode: e.connack.reasonCode, version: this.options.protocolVersion });
      case 'protocolViolation': return this.onViolation(e.reasonCode, e.message);
      case 'timeout': return this.onTimeout(e.reason, e.silentMs);
      case 'peerDisconnect': return this.onPeerDisconnect(e.packet);
      case 'close': return void this.wire?.transport.end({ timeoutMs: DEFAULT_CLOSE_TIMEOUT_MS });
      case 'auth': return this.onViolation(0x82, 'the server sent AUTH, but no authentication method was requested');
      case 'schedule': return this.schedule(e.at);
      default: return;
    }
  }

  private complete(handle: Handle | undefined, result: CommandResult): void {
    if (!handle) return;
    // QoS 0 completes when written: wait for the transport's buffer to drain when it pushed back.
    if (result.kind === 'published' && this.wire) this.wire.afterFlush(() => handle.resolve(result));
    else handle.resolve(result);
    this.noteQueueChange();
  }

  private schedule(at: number): void {
    this.clearSessionTimer();
    const delay = Math.max(0, at - this.now());
    this.sessionTimer = setTimeout(() => {
      this.sessionTimer = undefined;
      this.enqueue(this.session.tick(this.now()));
    }, delay);
  }

  private clearSessionTimer(): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.sessionTimer = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Connection lifecycle
  // ---------------------------------------------------------------------------------------------

  private async loadStore(deps: ConnectionDeps): Promise<SessionStore> {
    const store = deps.store ?? (await openStore(this.options, deps.memoryData));
    this.session.restore(await store.load());
    this.store = store;
    return store;
  }

  private async connectOnce(): Promise<void> {
    const attempt = new AbortController();
    this.attempt = attempt;
    this.setStatus({ phase: 'connecting' });
    let transport: Transport;
    try {
      await this.storeReady;
      transport = await openTransport(this.options.endpoint, { timeoutMs: this.options.connectTimeoutMs, signal: attempt.signal });
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
    this.wire = new Wire(transport, this.options.protocolVersion, this.options.maximumPacketSize, {
      packet: (p) => this.enqueue(this.session.onPacket(p, this.now())),
      malformed: (err) => this.onViolation(err instanceof MqttError ? err.reasonCode : 0x81, err instanceof Error ? err.message : String(err)),
    });
    this.endReason = {};
    this.connectedAt = undefined;
    transport.once('close', (info) => this.onTransportClose(transport, info));
    this.enqueue(this.session.connectionOpened(buildConnect(this.options, this.clientId), this.now()));
  }

  /** The server broke the protocol: v5 DISCONNECT with the reason code, then close [MQTT-4.13.1-1]. */
  private onViolation(reasonCode: number, message: string): void {
    if (!this.wire) return;
    const error = new MqttError(`protocol error from the server: ${message}`, reasonCode);
    this.emit('warning', { code: 'protocol', message: error.message });
    this.closeWithError(error, { type: 'disconnect', reasonCode });
  }

  /** We cannot store an incoming QoS 2 message: v5 DISCONNECT 0x83 saying why, then close; it is re-sent later. */
  private refuseIncoming(error: StoreWriteError): void {
    const disconnect: DisconnectPacket = { type: 'disconnect', reasonCode: error.reasonCode, properties: { reasonString: error.message.slice(0, MAX_REASON_STRING) } };
    // The Reason String must not take DISCONNECT over the server's Maximum Packet Size [v5 MQTT-3.14.2-3].
    const limit = this.serverInfo?.maximumPacketSize;
    if (limit !== undefined && encodedSize(disconnect, 5) > limit) delete disconnect.properties;
    this.closeWithError(error, disconnect);
  }

  /** Stops reading, sends `disconnect` (v5 only) and closes the transport; once per connection. */
  private closeWithError(error: Error, disconnect: DisconnectPacket): void {
    const wire = this.wire;
    if (!wire || this.endReason.error) return;
    wire.stopReading();
    if (this.options.protocolVersion === 5) wire.send(disconnect);
    this.endTransport(error, this.lostOutcome(undefined));
  }

  /** A store write failed (the error) or succeeded again (undefined): part of the status until then. */
  private setStoreHealth(error: StoreWriteError | undefined): void {
    this.storeError = error;
    this.setStatus(this.current);
  }

  private onTimeout(reason: 'connect' | 'keepalive', silentMs: number): void {
    const text =
      reason === 'connect'
        ? `no CONNACK from ${this.wire?.transport.description ?? 'the server'} within ${silentMs} ms`
        : `the server did not answer for ${silentMs} ms (keep alive)`;
    const error = new TransportError(text, 'timeout');
    this.endTransport(error, reason === 'connect' ? { kind: 'failed' } : this.lostOutcome(undefined));
  }

  private onPeerDisconnect(packet: DisconnectPacket): void {
    const error = serverDisconnectError(packet);
    if (packet.properties?.serverReference) this.emit('warning', { code: 'server-redirect', message: error.message });
    this.endTransport(error, this.lostOutcome(packet.reasonCode ?? 0));
  }

  private lostOutcome(reasonCode: number | undefined): ConnectionOutcome {
    if (this.connectedAt === undefined) return { kind: 'failed' };
    const lost: ConnectionOutcome = { kind: 'lost', connectedForMs: this.now() - this.connectedAt };
    if (reasonCode !== undefined) lost.reasonCode = reasonCode;
    return lost;
  }

  /** Records why the transport ends and closes it; onTransportClose finishes the job. */
  private endTransport(error: Error, outcome: ConnectionOutcome): void {
    if (!this.endReason.error) this.endReason = { error, outcome };
    this.wire?.transport.destroy();
  }

  private onConnected(connack: ConnackPacket): void {
    const info = serverInfoFrom(connack, this.options, this.clientId);
    if (!info.sessionPresent) this.resendGuard.clear();
    if (info.clientId !== this.clientId) this.clientId = info.clientId; // assigned by the server (v5)
    this.serverInfo = info;
    this.connectedAt = this.now();
    this.setStatus({ phase: 'connected' });
    this.emit('connected', info);
    const birth = this.options.birth;
    if (birth) this.publish(birth).catch((err) => this.emit('warning', { code: 'protocol', message: `birth message not sent: ${String(err)}` }));
  }

  private async sendCloseMessage(timeoutMs: number): Promise<void> {
    const close = this.options.close;
    if (!close) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.publish(close).catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private onTransportClose(transport: Transport, info: TransportCloseInfo): void {
    if (this.wire?.transport !== transport) return;
    this.wire.release();
    this.wire = undefined;
    this.clearSessionTimer();
    const { error, outcome } = this.endReason;
    this.endReason = {};
    this.enqueue(this.session.connectionLost(this.now()));
    const why = error ?? info.error;
    if (!this.wantOpen) return this.settleDown(why);
    this.afterEnd(why, outcome ?? this.lostOutcome(undefined));
  }

  /** Plans the next attempt (or stays down when reconnecting is off). */
  private afterEnd(error: Error | undefined, outcome: ConnectionOutcome): void {
    this.connectedAt = undefined;
    const policy = this.options.reconnect;
    if (!policy) {
      this.wantOpen = false;
      return this.settleDown(error);
    }
    const now = this.now();
    const plan = this.reconnect.schedule(policy, outcome, now, () => {
      if (this.wantOpen) void this.connectOnce();
    });
    if (plan.reason === 'kickLoop') {
      this.emit('warning', {
        code: 'kick-loop',
        message: `client id "${this.clientId}" is repeatedly taken over by another connection (0x8E): another client uses the same client id`,
      });
    }
    this.setStatus({ phase: 'reconnecting', ...(error ? { error } : {}), retryAt: now + plan.delayMs, retryInMs: plan.delayMs, retryReason: plan.reason });
  }

  private settleDown(error: Error | undefined): void {
    this.connectedAt = undefined;
    if (this.disposed) return;
    this.setStatus(error ? { phase: 'disconnected', error } : { phase: 'disconnected' });
  }

  private setStatus(next: Omit<ConnectionStatus, 'queued'> & { phase: ConnectionPhase }): void {
    const { storeError: _previous, ...rest } = next;
    this.current = this.storeError ? { ...rest, storeError: this.storeError, queued: this.queued } : { ...rest, queued: this.queued };
    this.emit('status', this.current);
  }

  /** While offline the queue depth is part of the status: report changes, at most every 500 ms. */
  private noteQueueChange(): void {
    if (this.current.phase === 'connected' || this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.current.queued !== this.queued && !this.disposed) {
        this.current = { ...this.current, queued: this.queued };
        this.emit('status', this.current);
      }
    }, STATUS_THROTTLE_MS);
    this.statusTimer.unref();
  }
}

