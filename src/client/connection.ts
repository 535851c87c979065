// The connection driver: the only client code that touches sockets, timers and stores. Bytes from the
// transport go framer -> decode -> session; the session's effects are applied in order (store writes
// commit before the sends and deliveries that follow them, store-writer.ts); one timer serves the
// session's deadlines (keepalive, CONNACK timeout, message expiry). Opening, ending and re-opening
// transports (and the reconnect delay) is transport-lifecycle.ts, the status users see is status-reporter.ts;
// this file is the commands, the effects, CONNACK and the end of a connection.
import { EventEmitter } from 'node:events';
import { encodedSize, MqttError } from '../codec';
import type { ConnackPacket, DisconnectPacket, QoS, SubackPacket, SubscribeProperties, Subscription, UnsubackPacket } from '../codec/types';
import { ClientSession, PublishWithdrawnError, type CommandResult, type Effect, type StoreWriteError } from '../session';
import type { MemorySessionData, SessionStore } from '../store';
import { commandHandle, toPublishResult, toSuback, toUnsuback, withdrawOnAbort, type Handle } from './command-results';
import { buildConnect, serverInfoFrom } from './connect-packet';
import { EffectQueue } from './effect-queue';
import { refusalError, serverDisconnectError } from './end-errors';
import { ClientClosedError, TransportError } from './errors';
import { toPayload } from './messages';
import type { ConnectionOptions } from './options';
import { Qos2ResendGuard } from './resend-guard';
import { StatusReporter } from './status-reporter';
import { openStore } from './store-choice';
import { StoreWriter } from './store-writer';
import { TransportLifecycle } from './transport-lifecycle';
import type { Wire } from './wire';
import type {
  ConnectionEvents,
  ConnectionStatus,
  MqttConnection,
  PublishMessage,
  PublishResult,
  ServerInfo,
} from './types';

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
/** Characters of an error message sent as a DISCONNECT Reason String. */
const MAX_REASON_STRING = 200;

export interface ConnectionDeps {
  /** A store instance to use instead of the one the options name (tests, or the pool's kept memory data). */
  store?: SessionStore;
  /** Kept memory-store data, so a redefined connection resumes what the previous one queued. */
  memoryData?: MemorySessionData;
  now?: () => number;
}

const QOS0_UNWRITTEN: CommandResult = Object.freeze({ kind: 'dropped', reason: 'offline' });

export class Connection extends EventEmitter implements MqttConnection {
  readonly options: ConnectionOptions;
  private readonly session: ClientSession<Handle>;
  private readonly now: () => number;
  private readonly storeReady: Promise<SessionStore>;
  private store: SessionStore | undefined;
  private readonly lifecycle: TransportLifecycle;
  private sessionTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly statusReporter = new StatusReporter({
    queued: () => this.queued,
    emit: (status) => this.emit('status', status),
    disposed: () => this.disposed,
  });
  private serverInfo: ServerInfo | undefined;
  private clientId: string;
  private readonly storeWriter: StoreWriter<Handle>;
  /** Batches are tagged with the wire they were produced for (undefined between transports). */
  private readonly effects: EffectQueue<Handle, Wire | undefined>;
  /** The QoS 0 PUBLISH just before the next 'complete' effect was dropped with its ended transport. */
  private qos0Unwritten = false;
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
      health: (error) => this.statusReporter.storeHealth(error),
      refuseIncoming: (error) => this.refuseIncoming(error),
    });
    this.effects = new EffectQueue<Handle, Wire | undefined>({
      store: (e) => this.storeWriter.write(e),
      apply: (e, wire) => this.apply(e, wire),
      idle: () => this.storeWriter.idle(),
    });
    this.lifecycle = new TransportLifecycle({
      options,
      now: this.now,
      ready: () => this.storeReady,
      packet: (p) => this.enqueue(this.session.onPacket(p, this.now())),
      malformed: (err) => this.onViolation(err instanceof MqttError ? err.reasonCode : 0x81, err instanceof Error ? err.message : String(err)),
      opened: () => this.enqueue(this.session.connectionOpened(buildConnect(this.options, this.clientId), this.now())),
      lost: () => {
        this.clearSessionTimer();
        this.enqueue(this.session.connectionLost(this.now()));
      },
      status: (update) => this.statusReporter.set(update),
      warn: (w) => this.emit('warning', w),
      clientId: () => this.clientId,
      disposed: () => this.disposed,
    });
  }

  private get wire(): Wire | undefined {
    return this.lifecycle.wire;
  }

  get status(): ConnectionStatus {
    return this.statusReporter.status;
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
    this.lifecycle.open();
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
        if (signal) withdrawOnAbort(h, { signal, withdraw: () => this.enqueue(this.session.withdraw(h, this.now())) });
        return this.session.publish(h, properties ? { ...outbound, properties } : outbound, now);
      },
      (r) => this.publishResult(r, qos),
    );
  }

  subscribe(subscriptions: Subscription[], properties?: SubscribeProperties): Promise<SubackPacket> {
    return this.command<SubackPacket>(
      (h, now) => this.session.subscribe(h, properties ? { subscriptions, properties } : { subscriptions }, now),
      toSuback,
    );
  }

  unsubscribe(topicFilters: string[]): Promise<UnsubackPacket> {
    return this.command<UnsubackPacket>(
      (h, now) => this.session.unsubscribe(h, { topicFilters }, now),
      toUnsuback,
    );
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    const transport = this.lifecycle.stop();
    if (!transport) {
      const phase = this.statusReporter.phase;
      if (phase !== 'idle' && phase !== 'closed') this.statusReporter.set({ phase: 'disconnected' });
      return;
    }
    const closed = this.lifecycle.closedWithin(transport, timeoutMs);
    if (this.statusReporter.phase === 'connected') await this.sendCloseMessage(timeoutMs / 2);
    if (!transport.closed) {
      this.lifecycle.endingOnPurpose();
      this.enqueue(this.session.disconnect({ resolve: () => undefined, reject: () => undefined }, {}, this.now()));
    }
    await closed;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.close();
    this.disposed = true;
    this.enqueue(this.session.shutdown(this.now()));
    await this.settled();
    this.clearSessionTimer();
    this.statusReporter.stop();
    this.statusReporter.set({ phase: 'closed' });
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
      const handle = commandHandle({ resolve, reject, map });
      this.enqueue(start(handle, this.now()));
      this.statusReporter.queueChanged();
    });
  }

  private publishResult(r: CommandResult, qos: QoS): PublishResult {
    if (r.kind !== 'dropped') return toPublishResult(r, qos);
    this.droppedQos0++;
    this.emit('warning', { code: 'qos0-dropped', message: 'QoS 0 publish dropped while offline (queue.qos0 = drop)', count: this.droppedQos0 });
    return { qos: 0, reasonCode: 0, dropped: true };
  }

  private enqueue(fx: Effect<Handle>[]): void {
    this.effects.enqueue(fx, this.wire);
  }

  /**
   * Resolves when every effect so far has been applied, store writes committed included: after
   * `publish()` then `settled()`, the message is durable in the store (accepted) even if it is not sent yet.
   */
  settled(): Promise<void> {
    return this.effects.settled();
  }

  private apply(e: Effect<Handle>, producedFor: Wire | undefined): void {
    if (!this.storeWriter.allows(e)) return;
    switch (e.kind) {
      case 'send':
        // A send that waited behind a slow store write while its transport ended belongs to that transport:
        // the session re-sends what it must after the next CONNACK. Writing it now could put a PUBLISH on
        // the next transport ahead of its CONNECT [MQTT-3.1.0-1].
        if (producedFor !== this.wire) {
          // A QoS 0 publish is followed by its completion in the same batch: it was not written, so it
          // completes as dropped (the nodes report OFFLINE_DROPPED), never as written.
          if (e.packet.type === 'publish' && e.packet.qos === 0) this.qos0Unwritten = true;
          return;
        }
        if (e.packet.type === 'pubcomp') this.resendGuard.completedId(e.packet.packetId);
        return this.wire?.send(e.packet);
      case 'deliver':
        if (this.resendGuard.isResend(e.packet)) return;
        return void this.emit('message', e.packet);
      case 'complete': return this.complete(e.handle, e.result);
      case 'fail': return e.handle ? e.handle.reject(e.error) : undefined;
      case 'connected': return this.onConnected(e.connack);
      case 'connectRefused': return this.lifecycle.end(refusalError(e.connack, this.options.protocolVersion), { kind: 'refused', reasonCode: e.connack.reasonCode, version: this.options.protocolVersion });
      case 'protocolViolation': return this.onViolation(e.reasonCode, e.message);
      case 'timeout': return this.onTimeout(e.reason, e.silentMs);
      case 'peerDisconnect': return this.onPeerDisconnect(e.packet);
      case 'close': return producedFor === this.wire ? void this.wire?.transport.end({ timeoutMs: DEFAULT_CLOSE_TIMEOUT_MS }) : undefined;
      case 'auth': return this.onViolation(0x82, 'the server sent AUTH, but no authentication method was requested');
      case 'schedule': return this.schedule(e.at);
      default: return;
    }
  }

  private complete(handle: Handle | undefined, result: CommandResult): void {
    if (this.qos0Unwritten) {
      this.qos0Unwritten = false;
      result = QOS0_UNWRITTEN;
    }
    if (!handle) return;
    // QoS 0 completes when written: wait for the transport's buffer to drain when it pushed back.
    if (result.kind === 'published' && this.wire) this.wire.afterFlush(() => handle.resolve(result));
    else handle.resolve(result);
    this.statusReporter.queueChanged();
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
  // Store, CONNACK, the end of a connection
  // ---------------------------------------------------------------------------------------------

  private async loadStore(deps: ConnectionDeps): Promise<SessionStore> {
    const store = deps.store ?? (await openStore(this.options, deps.memoryData));
    this.session.restore(await store.load());
    this.store = store;
    return store;
  }

  /** The server broke the protocol: v5 DISCONNECT with the reason code, then close [MQTT-4.13.1-1]. */
  private onViolation(reasonCode: number, message: string): void {
    if (!this.wire) return;
    const error = new MqttError(`protocol error from the server: ${message}`, reasonCode);
    this.emit('warning', { code: 'protocol', message: error.message });
    this.lifecycle.closeWithError(error, { type: 'disconnect', reasonCode });
  }

  /** We cannot store an incoming QoS 2 message: v5 DISCONNECT 0x83 saying why, then close; it is re-sent later. */
  private refuseIncoming(error: StoreWriteError): void {
    const disconnect: DisconnectPacket = { type: 'disconnect', reasonCode: error.reasonCode, properties: { reasonString: error.message.slice(0, MAX_REASON_STRING) } };
    // The Reason String must not take DISCONNECT over the server's Maximum Packet Size [v5 MQTT-3.14.2-3].
    const limit = this.serverInfo?.maximumPacketSize;
    if (limit !== undefined && encodedSize(disconnect, 5) > limit) delete disconnect.properties;
    this.lifecycle.closeWithError(error, disconnect);
  }

  private onTimeout(reason: 'connect' | 'keepalive', silentMs: number): void {
    const text =
      reason === 'connect'
        ? `no CONNACK from ${this.wire?.transport.description ?? 'the server'} within ${silentMs} ms`
        : `the server did not answer for ${silentMs} ms (keep alive)`;
    const error = new TransportError(text, 'timeout');
    this.lifecycle.end(error, reason === 'connect' ? { kind: 'failed' } : this.lifecycle.lostOutcome(undefined));
  }

  private onPeerDisconnect(packet: DisconnectPacket): void {
    const error = serverDisconnectError(packet);
    if (packet.properties?.serverReference) this.emit('warning', { code: 'server-redirect', message: error.message });
    this.lifecycle.end(error, this.lifecycle.lostOutcome(packet.reasonCode ?? 0));
  }

  private onConnected(connack: ConnackPacket): void {
    const info = serverInfoFrom(connack, this.options, this.clientId);
    if (!info.sessionPresent) this.resendGuard.clear();
    if (info.clientId !== this.clientId) this.clientId = info.clientId; // assigned by the server (v5)
    this.serverInfo = info;
    this.lifecycle.connected();
    this.statusReporter.set({ phase: 'connected' });
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
}

