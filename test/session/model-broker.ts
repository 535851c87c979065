// A deliberately simple reference broker for the model-based test: one client, QoS 0/1/2 both ways,
// persistent sessions that it may throw away, topic aliases and Receive Maximum checks. It shares no
// code with src/session, so a bug there cannot hide in here.
import assert from 'node:assert/strict';
import type { ConnectPacket, Packet, ProtocolVersion, PublishPacket, QoS } from '../../src/codec/types';

export interface Reception {
  uid: string;
  qos: QoS;
  topic: string;
  /** Which broker session (epoch) received it: a QoS 2 duplicate is allowed only across epochs. */
  epoch: number;
}

interface Outgoing {
  uid: string;
  qos: 1 | 2;
  stage: 'publish' | 'pubrel';
  packetId: number;
}

export interface BrokerLimits {
  /** Receive Maximum we advertise (v5); the client must keep within it. */
  receiveMaximum: number;
  topicAliasMaximum: number;
  /** The client's Receive Maximum from CONNECT; we keep within it. */
}

export class ReferenceBroker {
  epoch = 0;
  hasSession = false;
  connected = false;
  readonly received: Reception[] = [];
  /** Broker -> client messages: uid -> state. Cancelled ones died with a discarded session. */
  readonly sentToClient = new Map<string, { qos: QoS; done: boolean; cancelled: boolean }>();
  private qos2Pending = new Set<number>();
  private outgoing = new Map<number, Outgoing>();
  private nextId = 1;
  private aliases = new Map<number, string>();
  private clientReceiveMaximum = 65535;
  private unackedFromClient = new Set<number>();
  private nextUid = 1;

  constructor(readonly version: ProtocolVersion, readonly limits: BrokerLimits, private readonly out: (p: Packet) => void) {}

  connectionLost(): void {
    this.connected = false;
    this.unackedFromClient.clear();
  }

  /** Handles one packet from the client. `keepSession` decides whether an existing session survives. */
  receive(p: Packet, keepSession: boolean): void {
    switch (p.type) {
      case 'connect': return this.onConnect(p, keepSession);
      case 'publish': return this.onPublish(p);
      case 'pubrel':
        this.qos2Pending.delete(p.packetId);
        this.unackedFromClient.delete(p.packetId);
        return this.out({ type: 'pubcomp', packetId: p.packetId, reasonCode: 0 });
      case 'puback': return this.onAck(p.packetId, 'puback');
      case 'pubrec': return this.onAck(p.packetId, 'pubrec');
      case 'pubcomp': return this.onAck(p.packetId, 'pubcomp');
      case 'subscribe': return this.out({ type: 'suback', packetId: p.packetId, reasonCodes: p.subscriptions.map((s) => s.qos) });
      case 'disconnect': return;
      default: assert.fail(`reference broker got unexpected ${p.type}`);
    }
  }

  /** A new message to the client; false when it cannot be sent now. */
  publishToClient(qos: QoS, topic: string): string | undefined {
    if (!this.connected) return undefined;
    if (qos > 0 && this.outgoing.size >= this.clientReceiveMaximum) return undefined;
    const uid = `b${this.nextUid++}`;
    this.sentToClient.set(uid, { qos, done: qos === 0, cancelled: false });
    if (qos === 0) {
      this.out({ type: 'publish', topic, payload: Buffer.from(uid), qos: 0, retain: false, dup: false });
      return uid;
    }
    let id = this.nextId;
    while (this.outgoing.has(id)) id = (id % 65535) + 1;
    this.nextId = (id % 65535) + 1;
    this.outgoing.set(id, { uid, qos, stage: 'publish', packetId: id });
    this.out({ type: 'publish', topic, payload: Buffer.from(uid), qos, retain: false, dup: false, packetId: id });
    return uid;
  }

  private onConnect(p: ConnectPacket, keepSession: boolean): void {
    const present = !p.clean && this.hasSession && keepSession;
    if (!present) this.discardSession();
    this.hasSession = true;
    this.connected = true;
    this.aliases.clear();
    this.clientReceiveMaximum = p.properties?.receiveMaximum ?? 65535;
    const properties = this.version === 5
      ? { receiveMaximum: this.limits.receiveMaximum, topicAliasMaximum: this.limits.topicAliasMaximum }
      : undefined;
    this.out({ type: 'connack', sessionPresent: present, reasonCode: 0, ...(properties ? { properties } : {}) });
    if (!present) return;
    for (const o of this.outgoing.values()) {
      if (o.stage === 'pubrel') this.out({ type: 'pubrel', packetId: o.packetId, reasonCode: 0 });
      else this.out({ type: 'publish', topic: 'from/broker', payload: Buffer.from(o.uid), qos: o.qos, retain: false, dup: true, packetId: o.packetId });
    }
  }

  private discardSession(): void {
    this.epoch++;
    this.qos2Pending.clear();
    for (const o of this.outgoing.values()) this.sentToClient.get(o.uid)!.cancelled = true;
    this.outgoing.clear();
  }

  private onPublish(p: PublishPacket): void {
    const topic = this.resolveTopic(p);
    const uid = p.payload.toString();
    if (p.qos === 0) {
      this.received.push({ uid, qos: 0, topic, epoch: this.epoch });
      return;
    }
    const id = p.packetId!;
    if (this.version === 5 && !this.unackedFromClient.has(id)) {
      this.unackedFromClient.add(id);
      assert.ok(this.unackedFromClient.size <= this.limits.receiveMaximum, `client exceeded Receive Maximum ${this.limits.receiveMaximum} [v5 MQTT-3.3.4-7]`);
    }
    if (p.qos === 1) {
      this.received.push({ uid, qos: 1, topic, epoch: this.epoch });
      this.unackedFromClient.delete(id);
      this.out({ type: 'puback', packetId: id, reasonCode: 0 });
      return;
    }
    if (!this.qos2Pending.has(id)) {
      this.qos2Pending.add(id);
      this.received.push({ uid, qos: 2, topic, epoch: this.epoch });
    }
    this.out({ type: 'pubrec', packetId: id, reasonCode: 0 });
  }

  private resolveTopic(p: PublishPacket): string {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return p.topic;
    assert.ok(alias >= 1 && alias <= this.limits.topicAliasMaximum, `alias ${alias} out of range`);
    if (p.topic !== '') this.aliases.set(alias, p.topic);
    const topic = this.aliases.get(alias);
    assert.ok(topic !== undefined, `alias ${alias} used before being defined on this connection`);
    return topic;
  }

  private onAck(packetId: number, kind: 'puback' | 'pubrec' | 'pubcomp'): void {
    const o = this.outgoing.get(packetId);
    assert.ok(o, `${kind} for unknown id ${packetId}`);
    if (kind === 'pubrec') {
      assert.equal(o.qos, 2);
      o.stage = 'pubrel';
      this.out({ type: 'pubrel', packetId, reasonCode: 0 });
      return;
    }
    assert.equal(kind === 'puback' ? 1 : 2, o.qos, `${kind} for a QoS ${o.qos} message`);
    this.outgoing.delete(packetId);
    this.sentToClient.get(o.uid)!.done = true;
  }
}
