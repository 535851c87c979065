// The client's QoS session engine: (state, input, now) -> effects. It composes the shared primitives
// (packet ids, in-flight table, QoS 2 receiver, send quota, topic aliases, keepalive) with client policy
// (offline queue, re-queue on a lost session, command completion). No I/O: the driver feeds it decoded
// packets, commands, connection events and the time, and applies the effects it returns, in order
// (docs/session.md, "Applying effects").
import { encodedSize } from '../codec';
import type { ConnackPacket, ConnectPacket, DisconnectProperties, Packet, ProtocolVersion } from '../codec/types';
import type { StoredSession } from '../store/types';
import { ControlRequests, type SubscribeRequest, type UnsubscribeRequest } from './client-control';
import { Publisher } from './client-publisher';
import { receivePublish, receivePubrel } from './client-receiver';
import type { DisconnectResult, Effect, OutboundMessage } from './effects';
import { ConnectRefusedError, InvalidCommandError, SessionClosedError, type StoreWriteError } from './errors';
import { InboundQos2 } from './inbound';
import { Keepalive } from './keepalive';
import { Link, type Wire } from './link';
import { PacketIdAllocator } from './packet-ids';
import { violation } from './violations';

export interface ClientSessionOptions {
  /** The protocol version every CONNECT of this session uses. */
  protocolVersion: ProtocolVersion;
  /** Most messages held (queued + in flight), QoS 0 included. Default 10000. */
  maxQueuedMessages?: number;
  /** Most bytes (topic + payload) held. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** QoS 0 publishes while not connected: keep them in the queue, or drop them (counted). Default 'drop'. */
  qos0WhileOffline?: 'queue' | 'drop';
  /** Cap on our unacknowledged QoS 1/2 PUBLISHes, below the server's Receive Maximum. Default 65535. */
  maxInflight?: number;
  /** Assign Topic Aliases to repeated topics when the server allows them (v5). Default 'auto'. */
  topicAliases?: 'auto' | 'off';
  /** Give up on a connection whose CONNACK has not come after this long; 0 = never. Default 30000. */
  connectTimeoutMs?: number;
  /** Encoded size of a packet, for Maximum Packet Size checks. Default: the codec's encodedSize. */
  packetSize?: (packet: Packet, version: ProtocolVersion) => number;
}

export type SessionState = 'offline' | 'connecting' | 'online' | 'closing' | 'shutdown';

export interface DisconnectRequest {
  /** v5 reason code; default 0x00 Normal disconnection (0x04 sends the Will). */
  reasonCode?: number;
  properties?: DisconnectProperties;
}

const DISCONNECTED: DisconnectResult = Object.freeze({ kind: 'disconnected' });

export class ClientSession<H = unknown> implements Wire<H> {
  readonly version: ProtocolVersion;
  link: Link | undefined;
  private readonly ids = new PacketIdAllocator();
  private readonly publisher: Publisher<H>;
  private readonly control: ControlRequests<H>;
  private readonly inbound = new InboundQos2();
  private readonly keepalive = new Keepalive('client');
  private readonly sizeFn: (packet: Packet, version: ProtocolVersion) => number;
  private readonly connectTimeoutMs: number;
  private readonly topicAliases: 'auto' | 'off';
  private connectDeadline: number | undefined;
  private armedAt: number | undefined;
  private closed = false;

  constructor(options: ClientSessionOptions) {
    this.version = options.protocolVersion;
    this.sizeFn = options.packetSize ?? encodedSize;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.topicAliases = options.topicAliases ?? 'auto';
    this.publisher = new Publisher<H>(this, this.ids, {
      maxMessages: options.maxQueuedMessages ?? 10_000,
      maxBytes: options.maxQueuedBytes ?? 64 * 1024 * 1024,
      qos0WhileOffline: options.qos0WhileOffline ?? 'drop',
      maxInflight: options.maxInflight ?? 65535,
    });
    this.control = new ControlRequests<H>(this, this.ids);
  }

  get state(): SessionState {
    if (this.closed) return 'shutdown';
    return this.link?.phase ?? 'offline';
  }

  get stats() {
    return { ...this.publisher.stats, incomingQos2: this.inbound.size, controlPending: this.control.pending };
  }

  /** Loads a store's content (after a restart), before the first connection. */
  restore(stored: StoredSession): void {
    if (this.link) throw new Error('restore() must come before the first connection');
    this.publisher.restore(stored.outgoing);
    this.inbound.restore(stored.incoming);
  }

  /** The transport is up: send this CONNECT (built by the driver) and wait for CONNACK. */
  connectionOpened(connect: ConnectPacket, now: number): Effect<H>[] {
    if (this.link) throw new Error('connectionOpened() while a connection is active; call connectionLost() first');
    if (connect.protocolVersion !== this.version) throw new Error(`CONNECT is version ${connect.protocolVersion}, the session ${this.version}`);
    const fx: Effect<H>[] = [];
    if (this.closed) return fx;
    this.link = new Link(connect);
    this.inbound.setReceiveMaximum(this.version === 5 ? connect.properties?.receiveMaximum ?? 65535 : 65535);
    this.connectDeadline = this.connectTimeoutMs > 0 ? now + this.connectTimeoutMs : undefined;
    this.send(fx, connect, now); // [MQTT-3.1.0-1]
    return this.arm(fx);
  }

  /** A decoded packet from the server. */
  onPacket(packet: Packet, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    const link = this.link;
    if (!link || this.closed || link.phase === 'closing') return fx; // after our DISCONNECT we process nothing
    this.keepalive.packetReceived(now);
    if (link.phase === 'connecting') this.beforeConnack(fx, link, packet, now);
    else this.dispatch(fx, link, packet, now);
    return this.arm(fx);
  }

  publish(handle: H, message: OutboundMessage, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    if (this.closed) fx.push({ kind: 'fail', handle, error: new SessionClosedError('publish') });
    else this.publisher.publish(fx, handle, message, now);
    return this.arm(fx);
  }

  /** The sender gave up on a publish (see Publisher.withdraw): a queued one is never sent. */
  withdraw(handle: H, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    void now;
    if (!this.closed) this.publisher.withdraw(fx, handle);
    return this.arm(fx);
  }

  /**
   * The store could not write a record of outgoing message `seq` (docs/session.md, "Store write
   * failures"): unless the server already has it (QoS 2 past PUBREC), the message is taken out, failed with
   * `error` and never sent; the driver drops any PUBLISH of it that is still waiting for that write.
   */
  outgoingStoreFailed(seq: number, error: StoreWriteError, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    if (!this.closed) this.publisher.storeFailed(fx, seq, error, now);
    return this.arm(fx);
  }

  /**
   * The store could not record incoming QoS 2 packet id `packetId`: it is forgotten, so the server's
   * re-send counts as new. The driver neither delivers that message nor sends PUBREC, and closes the
   * connection so the server sends it again later.
   */
  incomingStoreFailed(packetId: number, now: number): Effect<H>[] {
    void now;
    const fx: Effect<H>[] = [];
    if (this.inbound.forget(packetId)) fx.push({ kind: 'unpersistIncoming', packetId }); // a partial write may have landed
    return fx;
  }

  subscribe(handle: H, request: SubscribeRequest, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    if (this.closed) fx.push({ kind: 'fail', handle, error: new SessionClosedError('subscribe') });
    else this.control.subscribe(fx, handle, request, now);
    return fx;
  }

  unsubscribe(handle: H, request: UnsubscribeRequest, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    if (this.closed) fx.push({ kind: 'fail', handle, error: new SessionClosedError('unsubscribe') });
    else this.control.unsubscribe(fx, handle, request, now);
    return fx;
  }

  /**
   * Ends the connection cleanly: DISCONNECT, then `close` [MQTT-3.14.4-1]; nothing more is sent on it
   * [MQTT-3.14.4-2]. Unacknowledged messages stay in the session for the next connection.
   */
  disconnect(handle: H, request: DisconnectRequest, now: number): Effect<H>[] {
    const fx: Effect<H>[] = [];
    const link = this.link;
    if (link && link.phase !== 'closing') {
      const expiry = request.properties?.sessionExpiryInterval;
      if (link.version === 5 && expiry !== undefined && expiry > 0 && !link.connect.properties?.sessionExpiryInterval) {
        fx.push({ kind: 'fail', handle, error: new InvalidCommandError('DISCONNECT cannot set a Session Expiry Interval when CONNECT had 0') });
        return fx;
      }
      if (link.phase === 'online') {
        const packet = link.version === 5 ? { type: 'disconnect' as const, reasonCode: request.reasonCode ?? 0, ...(request.properties ? { properties: request.properties } : {}) } : { type: 'disconnect' as const };
        this.send(fx, packet, now);
      }
      link.phase = 'closing';
      this.keepalive.stop();
      fx.push({ kind: 'close' });
    }
    fx.push({ kind: 'complete', handle, result: DISCONNECTED });
    return fx;
  }

  /**
   * The transport closed (for any reason). In-flight state is kept for the next connection. The driver
   * may cancel its timer here: the returned effects re-arm it if a queued message can still expire.
   */
  connectionLost(now: number): Effect<H>[] {
    void now;
    this.link = undefined;
    this.connectDeadline = undefined;
    this.keepalive.stop();
    this.publisher.connectionLost();
    this.control.connectionLost();
    this.armedAt = undefined;
    return this.arm([]);
  }

  /** Timers: call at the time of the last `schedule` effect (or later). */
  tick(now: number): Effect<H>[] {
    this.armedAt = undefined;
    const fx: Effect<H>[] = [];
    const link = this.link;
    if (link?.phase === 'connecting' && this.connectDeadline !== undefined && now >= this.connectDeadline) {
      this.connectDeadline = undefined;
      fx.push({ kind: 'timeout', reason: 'connect', silentMs: this.connectTimeoutMs });
    } else if (link?.phase === 'online') {
      const verdict = this.keepalive.check(now);
      if (verdict === 'ping') {
        this.send(fx, { type: 'pingreq' }, now);
        this.keepalive.pingSent(now);
      } else if (verdict === 'timeout') {
        fx.push({ kind: 'timeout', reason: 'keepalive', silentMs: this.keepalive.silentFor(now) });
        this.keepalive.stop();
      }
    }
    this.publisher.expire(fx, now);
    this.publisher.pump(fx, now); // an expired head may have been all that held the queue back
    return this.arm(fx);
  }

  /** Ends the session for good: every pending command fails. Stored records are left as they are. */
  shutdown(now: number): Effect<H>[] {
    void now;
    const fx: Effect<H>[] = [];
    if (this.closed) return fx;
    this.closed = true;
    this.link = undefined;
    this.keepalive.stop();
    this.publisher.shutdown(fx);
    this.control.shutdown(fx);
    return fx;
  }

  /** The earliest time tick() has work to do, if any. */
  nextDeadline(): number | undefined {
    let at = this.publisher.nextDeadline();
    const k = this.link?.phase === 'online' ? this.keepalive.nextDeadline() : undefined;
    if (k !== undefined && (at === undefined || k < at)) at = k;
    const c = this.link?.phase === 'connecting' ? this.connectDeadline : undefined;
    if (c !== undefined && (at === undefined || c < at)) at = c;
    return at;
  }

  /** Wire: every packet goes out through here so keepalive knows when we last sent. */
  send(fx: Effect<H>[], packet: Packet, now: number, seq?: number): void {
    fx.push(seq === undefined ? { kind: 'send', packet } : { kind: 'send', packet, seq });
    this.keepalive.packetSent(now);
  }

  sizeOf(packet: Packet): number {
    return this.sizeFn(packet, this.version);
  }

  private beforeConnack(fx: Effect<H>[], link: Link, packet: Packet, now: number): void {
    if (packet.type === 'connack') this.onConnack(fx, link, packet, now);
    else if (packet.type === 'auth') fx.push({ kind: 'auth', packet });
    else if (packet.type === 'disconnect') this.peerDisconnect(fx, link, packet);
    else fx.push(violation(link, 0x82, { v5: 'MQTT-3.2.0-1', v311: 'MQTT-3.2.0-1' }, `${packet.type.toUpperCase()} before CONNACK`));
  }

  private onConnack(fx: Effect<H>[], link: Link, connack: ConnackPacket, now: number): void {
    if (connack.reasonCode !== 0) {
      link.phase = 'closing';
      fx.push({ kind: 'connectRefused', connack, error: new ConnectRefusedError(connack, link.version) });
      return;
    }
    if (link.connect.clean && connack.sessionPresent) {
      fx.push(violation(link, 0x82, { v5: 'MQTT-3.2.2-4', v311: 'MQTT-3.2.2-1' }, 'CONNACK says Session Present after a clean start'));
      return;
    }
    link.accept(connack, this.topicAliases);
    this.connectDeadline = undefined;
    this.keepalive.start(link.keepaliveSeconds(connack), now);
    fx.push({ kind: 'connected', sessionPresent: connack.sessionPresent, connack });
    if (connack.sessionPresent) {
      this.publisher.resume(fx, link, now);
    } else {
      this.publisher.restart(fx, link);
      for (const packetId of this.inbound.clear()) fx.push({ kind: 'unpersistIncoming', packetId });
    }
    this.control.pump(fx, now);
    this.publisher.pump(fx, now);
  }

  private dispatch(fx: Effect<H>[], link: Link, p: Packet, now: number): void {
    switch (p.type) {
      case 'publish': return receivePublish(fx, this, this.inbound, p, now);
      case 'puback': return this.publisher.onPuback(fx, p.packetId, p.reasonCode, p.properties, now);
      case 'pubrec': return this.publisher.onPubrec(fx, p.packetId, p.reasonCode, p.properties, now);
      case 'pubcomp': return this.publisher.onPubcomp(fx, p.packetId, p.reasonCode, p.properties, now);
      case 'pubrel': return receivePubrel(fx, this, this.inbound, p, now);
      case 'suback': return this.afterControlAck(fx, () => this.control.onSuback(fx, p), now);
      case 'unsuback': return this.afterControlAck(fx, () => this.control.onUnsuback(fx, p), now);
      case 'pingresp': return;
      case 'disconnect': return this.peerDisconnect(fx, link, p);
      case 'auth': return void fx.push({ kind: 'auth', packet: p });
      case 'connack':
        return void fx.push(violation(link, 0x82, { v5: 'MQTT-3.2.0-2' }, 'a second CONNACK on one connection'));
      default: // connect, subscribe, unsubscribe, pingreq: only clients send these
        return void fx.push(violation(link, 0x82, {}, `a server sent ${p.type.toUpperCase()}`));
    }
  }

  /** A freed packet id may unblock waiting requests and publishes. */
  private afterControlAck(fx: Effect<H>[], handle: () => void, now: number): void {
    handle();
    this.control.pump(fx, now);
    this.publisher.pump(fx, now);
  }

  private peerDisconnect(fx: Effect<H>[], link: Link, packet: Packet & { type: 'disconnect' }): void {
    link.phase = 'closing';
    this.keepalive.stop();
    fx.push({ kind: 'peerDisconnect', packet });
  }

  /** Adds a `schedule` effect when the next deadline moved earlier than the timer the driver has. */
  private arm(fx: Effect<H>[]): Effect<H>[] {
    const at = this.nextDeadline();
    if (at !== undefined && (this.armedAt === undefined || at < this.armedAt)) {
      this.armedAt = at;
      fx.push({ kind: 'schedule', at });
    }
    return fx;
  }
}
