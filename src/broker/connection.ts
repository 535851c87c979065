// One network connection on the broker side: frames bytes, decodes packets in the connection's protocol
// version, dispatches them in order (pausing input while an asynchronous hook decides), and closes with
// the right reason code. Writes go through its Writer only.

import type { Duplex } from 'node:stream';
import {
  Framer, MqttError, ProtocolError, UnsupportedProtocolVersionError, decode, decodeConnect, encode, encodedSize,
} from '../codec';
import type { ConnackPacket, DisconnectPacket, Packet, ProtocolVersion } from '../codec/types';
import { Keepalive, type TopicAliasReceiver, type TopicAliasSender } from '../session';
import { continueAuth, reauthenticate } from './auth';
import { runConnect, type ConnectContext } from './connect';
import type { BrokerCore } from './core';
import { diagnosticProperties, type ClientInfo, type Diagnostics } from './hooks';
import { handlePublish, handlePubrel } from './inbound';
import { detachSession, type PendingWill } from './lifecycle';
import { onPuback, onPubcomp, onPubrec, pump } from './outbound';
import type { BrokerSession, SessionConnection } from './session';
import { handleSubscribe, handleUnsubscribe } from './subscribe';
import { FLUSH_AT, Writer } from './writer';

export type CloseOrigin = 'client' | 'server' | 'network';

export interface CloseReason {
  /** The v5 reason code of the DISCONNECT or CONNACK involved (0 for a normal disconnect). */
  reasonCode: number;
  origin: CloseOrigin;
  message: string;
}

/** What happens to the Will when the connection ends. */
export type WillAction = 'publish' | 'discard';

export interface ConnectionMeta {
  remoteAddress: string;
  listener: string;
  /** A user name the transport already proved (the CN of a verified TLS client certificate, when the
   *  listener is set to use it): replaces the CONNECT User Name in ClientInfo. */
  identity?: string;
}

type Step = void | Promise<void>;

export class Connection implements SessionConnection {
  state: 'connecting' | 'authenticating' | 'ready' | 'closed' = 'connecting';
  version: ProtocolVersion = 4;
  info: ClientInfo | undefined;
  session: BrokerSession | undefined;
  will: PendingWill | undefined;
  readonly writer: Writer;
  readonly openedAt: number;
  /** Server-role keep alive: a client silent for 1.5x its period is disconnected [MQTT-3.1.2-22]. */
  readonly keepalive = new Keepalive('server');
  /** Session Expiry Interval the client asked for in CONNECT (v5), to police DISCONNECT [MQTT-3.14.2-2]. */
  connectExpiry = 0;
  /** Outbound limits the client announced (v5), capped by broker options. */
  sendWindow = 65535;
  maxOutgoingPacket = Number.POSITIVE_INFINITY;
  /** Outbound topic aliases when the client allows them (v5). */
  aliasesOut: TopicAliasSender | undefined;
  /** Inbound topic aliases (v5); never carried to another connection [MQTT-3.3.2-7]. */
  aliasesIn: TopicAliasReceiver | undefined;
  requestProblemInformation = true;
  /** Enhanced authentication in progress or done (v5). */
  authMethod: string | undefined;
  /** A re-authentication (AUTH 0x19) is in progress. */
  reauthenticating = false;
  pendingConnect: ConnectContext | undefined;
  closeReason: CloseReason | undefined;
  /** A successful CONNACK was sent (a clientDisconnect event will follow the close). */
  accepted = false;
  /** Last acknowledgement waiting for persistence (inbound.ts keeps acknowledgements in order behind it). */
  ackTail: Promise<void> | undefined;
  private readonly framer: Framer;
  private waiting: Buffer[] | undefined;
  private flushPending = false;
  /** Bytes arrived since the last housekeeping tick (cheaper than reading the clock per chunk). */
  private active = false;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly core: BrokerCore, readonly socket: Duplex, readonly meta: ConnectionMeta) {
    // Flush early enough that corked bytes alone never reach maxWriteBuffer (see Writer).
    this.writer = new Writer(socket, core.stats, Math.min(FLUSH_AT, Math.ceil(core.options.maxWriteBuffer / 2)));
    this.framer = new Framer({ maximumPacketSize: core.options.maxPacketSize });
    this.openedAt = core.now();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.onSocketError(err));
    socket.on('close', () => this.onClose());
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  // ---------------------------------------------------------------------------------------------
  // Input
  // ---------------------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.active = true;
    this.core.stats.bytesIn += chunk.length;
    if (this.state === 'closed') return; // nothing more is processed after a refusal [MQTT-3.1.4-6]
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.waiting) for (const frame of frames) this.waiting.push(frame);
    else this.run(frames, 0);
  }

  /** Dispatches frames in order; an asynchronous step pauses input until it settles. */
  private run(frames: Buffer[], start: number): void {
    for (let i = start; i < frames.length; i++) {
      if (this.state === 'closed') return;
      let step: Step;
      try {
        step = this.dispatch(frames[i]!);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (step !== undefined) {
        this.waiting = frames.slice(i + 1);
        this.socket.pause();
        step.then(() => this.resume(), (err: unknown) => this.fail(err));
        return;
      }
    }
  }

  private resume(): void {
    const frames = this.waiting ?? [];
    this.waiting = undefined;
    this.run(frames, 0);
    if (this.waiting === undefined && this.state !== 'closed') this.socket.resume();
  }

  private dispatch(frame: Buffer): Step {
    this.core.stats.packetsIn++;
    if (this.state === 'connecting') {
      if (this.pendingConnect) throw new ProtocolError('second CONNECT', 'MQTT-3.1.0-2');
      return runConnect(this, decodeConnect(frame));
    }
    const packet = decode(frame, this.version);
    if (this.state === 'authenticating') {
      if (packet.type === 'auth') return continueAuth(this, packet);
      if (packet.type === 'disconnect') return this.onClientDisconnect(packet);
      throw new ProtocolError(`${packet.type.toUpperCase()} during authentication`, 'MQTT-3.1.2-30');
    }
    return this.dispatchReady(packet);
  }

  private dispatchReady(packet: Packet): Step {
    const session = this.session!;
    switch (packet.type) {
      case 'publish': return handlePublish(this, packet);
      case 'puback': return onPuback(this.core, session, packet.packetId);
      case 'pubrec': return onPubrec(this.core, session, this, packet.packetId, packet.reasonCode);
      case 'pubrel': return handlePubrel(this, packet);
      case 'pubcomp': return onPubcomp(this.core, session, packet.packetId);
      case 'subscribe': return handleSubscribe(this, packet);
      case 'unsubscribe': return handleUnsubscribe(this, packet);
      case 'pingreq': return this.writer.send({ type: 'pingresp' }); // [MQTT-3.12.4-1]
      case 'disconnect': return this.onClientDisconnect(packet);
      case 'auth': return reauthenticate(this, packet);
      case 'connect': throw new ProtocolError('second CONNECT on a connection', 'MQTT-3.1.0-2');
      default: throw new ProtocolError(`${packet.type.toUpperCase()} is not sent to a server`);
    }
  }

  /**
   * DISCONNECT from the client: 0x04 publishes the Will, anything else discards it [MQTT-3.14.4-3]
   * [v5 MQTT-3.1.2-10]; v5 may update the Session Expiry Interval, but not from 0 [MQTT-3.14.2-2 mirror].
   */
  private onClientDisconnect(packet: DisconnectPacket): void {
    const reasonCode = packet.reasonCode ?? 0;
    const expiry = packet.properties?.sessionExpiryInterval;
    if (this.version === 5 && expiry !== undefined && this.session) {
      if (this.connectExpiry === 0 && expiry !== 0) {
        throw new ProtocolError('DISCONNECT sets a Session Expiry Interval after CONNECT had 0', 'MQTT-3.14.2-2');
      }
      this.session.expiryInterval = Math.min(expiry, this.core.options.maxSessionExpiry);
    }
    this.teardown({ reasonCode, origin: 'client', message: 'client disconnected' },
      this.version === 5 && reasonCode === 0x04 ? 'publish' : 'discard');
    this.writer.end();
  }

  // ---------------------------------------------------------------------------------------------
  // Output
  // ---------------------------------------------------------------------------------------------

  /**
   * Sends a control packet. Reason String and User Properties are left out when the client asked for
   * no problem information [MQTT-3.1.2-29] or when they would make the packet exceed its Maximum Packet
   * Size [MQTT-3.2.2-19] [MQTT-3.2.2-20] [MQTT-3.9.2-1] [MQTT-3.9.2-2] [MQTT-3.11.2-1] [MQTT-3.11.2-2]
   * [MQTT-3.14.2-3] [MQTT-3.14.2-4] [MQTT-3.4.2-2] [MQTT-3.4.2-3] [MQTT-3.15.2-2] [MQTT-3.15.2-3].
   */
  send(packet: Packet): void {
    const fitted = this.fit(packet);
    if (fitted) this.writer.send(fitted);
  }

  private fit(packet: Packet): Packet | undefined {
    if (this.version !== 5 || !('properties' in packet) || !packet.properties) return packet;
    const type = packet.type;
    const keepProblems = this.requestProblemInformation || type === 'connack' || type === 'disconnect' || type === 'publish';
    if (keepProblems && encodedSize(packet, 5) <= this.maxOutgoingPacket) return packet;
    const { reasonString: _r, userProperties: _u, ...rest } = packet.properties as { reasonString?: string; userProperties?: unknown };
    const stripped = { ...packet, properties: rest } as Packet;
    return encodedSize(stripped, 5) <= this.maxOutgoingPacket ? stripped : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Closing
  // ---------------------------------------------------------------------------------------------

  /**
   * Server-initiated close. After a successful CONNACK a v5 client gets a DISCONNECT with the reason
   * [MQTT-3.14.0-1] (never a Session Expiry Interval [MQTT-3.14.2-2]); nothing follows it
   * [MQTT-3.14.4-1] and the connection is closed [MQTT-3.14.4-2]. 3.1.1 clients are just closed.
   */
  disconnect(reasonCode: number, message: string, diagnostics?: Diagnostics): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.teardown({ reasonCode, origin: 'server', message }, 'publish');
    if (wasReady && this.version === 5) {
      const packet: DisconnectPacket = { type: 'disconnect', reasonCode };
      const properties = diagnosticProperties(diagnostics);
      if (properties) packet.properties = properties;
      this.endWith(packet);
    } else this.endWith(undefined);
  }

  /** Refuses a CONNECT: CONNACK with the code (Session Present 0 [MQTT-3.2.2-6]), then close [MQTT-3.2.2-7]. */
  refuse(reasonCode: number, message: string, reply: { version: ProtocolVersion; code: number; diagnostics?: Diagnostics }): void {
    if (this.state === 'closed') return;
    this.teardown({ reasonCode, origin: 'server', message }, 'discard');
    this.writer.version = reply.version;
    const connack: ConnackPacket = { type: 'connack', sessionPresent: false, reasonCode: reply.code };
    const properties = reply.version === 5 ? diagnosticProperties(reply.diagnostics) : undefined;
    if (properties) connack.properties = properties;
    this.endWith(connack);
  }

  /** Maps a thrown error to the close it calls for [MQTT-4.13.1-1] [3.1.1 MQTT-4.8.0-1] [3.1.1 MQTT-4.8.0-2]. */
  fail(err: unknown): void {
    if (this.state === 'closed') return;
    if (err instanceof UnsupportedProtocolVersionError) {
      // [v5 MQTT-3.1.2-2] [3.1.1 MQTT-3.1.2-2]: refuse with 0x84 / return code 1, then close.
      this.refuse(0x84, err.message, { version: err.replyVersion, code: err.replyCode });
      return;
    }
    if (err instanceof MqttError) {
      this.disconnect(err.reasonCode, err.message);
      return;
    }
    this.core.emit('clientError', this.info, err);
    this.disconnect(0x83, err instanceof Error ? err.message : String(err)); // Implementation specific error
  }

  /** Removes the connection from its session and stops input; idempotent. */
  teardown(reason: CloseReason, will: WillAction): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.closeReason = reason;
    this.waiting = undefined;
    this.pendingConnect = undefined;
    if (wasReady) {
      this.core.connectedCount--;
      detachSession(this.core, this, will);
    }
  }

  private endWith(packet: Packet | undefined): void {
    let frame: Buffer | undefined;
    try {
      const fitted = packet && this.fit(packet);
      frame = fitted ? encode(fitted, this.writer.version) : undefined;
    } catch {
      frame = undefined; // an unencodable farewell must not keep the socket open
    }
    this.writer.end(frame);
    // A peer that never closes its side must not hold the socket forever.
    this.closeTimer = setTimeout(() => this.socket.destroy(), 2000);
    this.closeTimer.unref?.();
  }

  /** Immediate close without any packet (broker shutdown of connections that never sent CONNECT). */
  destroy(reason: CloseReason): void {
    this.teardown(reason, 'publish');
    this.writer.abort();
    this.socket.destroy();
  }

  private onSocketError(err: Error): void {
    if (this.state !== 'closed') this.teardown({ reasonCode: 0x80, origin: 'network', message: err.message }, 'publish');
  }

  private onClose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.teardown({ reasonCode: 0x80, origin: 'network', message: 'connection closed' }, 'publish');
    this.writer.abort();
    this.core.connections.delete(this);
    this.core.stats.connections = this.core.connections.size;
    if (this.info && this.accepted) this.core.emit('clientDisconnect', this.info, this.closeReason);
  }

  /** Resumes the session's queue once the socket buffer has been written out (slow consumers). */
  pumpWhenFlushed(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.writer.whenFlushed(() => {
      this.flushPending = false;
      const session = this.session;
      if (this.state === 'ready' && session && session.queue.length > 0) pump(this.core, session);
    });
  }

  /** Called by the broker's housekeeping timer: CONNECT timeout and keep alive [MQTT-3.1.2-22]. */
  checkTimers(now: number): void {
    if (this.active) {
      this.active = false;
      this.keepalive.packetReceived(now);
    }
    if (this.state === 'connecting' || this.state === 'authenticating') {
      if (now - this.openedAt > this.core.options.connectTimeout) {
        this.destroy({ reasonCode: 0xa0, origin: 'server', message: 'no CONNECT in time' });
      }
    } else if (this.state === 'ready' && this.keepalive.check(now) === 'timeout') {
      this.disconnect(0x8d, 'keep alive timeout');
    }
  }
}
