// Random valid packets for differential and fuzz tests. Every packet produced is one the codec must encode
// and decode unchanged, and (unless noted) one mqtt-packet can generate and parse too.
import {
  PROPERTIES, isValidReasonCode, type Packet, type PacketType, type PropertyContext, type PropertyDef,
  type ProtocolVersion, type QoS, type ReasonCodePacket, type Subscription,
} from '../../src/codec/index';
import type { Rng } from './helpers';

const CHARS = ['a', 'b', 'z', 'A', '0', '9', '/', ' ', '-', '_', '$', 'é', 'ß', '日', '本', '😀', '\ufeff', '\u00a0'];
const TYPES: PacketType[] = [
  'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
  'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

export interface GenOptions {
  /** Only packets mqtt-packet 9 handles (it refuses a 5.0 password without user name; see also 'pair'). */
  mqttPacketCompatible?: boolean;
}

export class PacketGen {
  constructor(private readonly rng: Rng, private readonly v: ProtocolVersion, private readonly opts: GenOptions = {}) {}

  str(max = 12, min = 0): string {
    const n = this.rng.int(min, max);
    let s = '';
    for (let i = 0; i < n; i++) s += this.rng.pick(CHARS);
    return s;
  }

  topicName(): string {
    return this.str(16, 1);
  }

  topicFilter(): string {
    return this.rng.pick(['#', '+/x', 'a/+/b', 'a/#', '$SYS/#', '']) + this.str(8, 0);
  }

  bytes(): Buffer {
    const r = this.rng.next();
    const n = r < 0.7 ? this.rng.int(0, 24) : r < 0.97 ? this.rng.int(25, 400) : this.rng.int(401, 20_000);
    return this.rng.bytes(n);
  }

  qos(): QoS {
    return this.rng.int(0, 2) as QoS;
  }

  packetId(): number {
    return this.rng.bool(0.1) ? this.rng.pick([1, 255, 256, 65535]) : this.rng.int(1, 65535);
  }

  reasonCode(packet: ReasonCodePacket): number {
    for (;;) {
      const code = this.rng.bool(0.4) ? 0 : this.rng.int(0, 0xa2);
      if (isValidReasonCode(packet, code)) return code;
    }
  }

  /** A random valid property set for a context, or undefined (not for 3.1/3.1.1). */
  properties(ctx: PropertyContext): Record<string, unknown> | undefined {
    if (this.v !== 5 || this.rng.bool(0.3)) return undefined;
    const out: Record<string, unknown> = {};
    for (const def of PROPERTIES as readonly PropertyDef[]) {
      if (def.in.includes(ctx) && this.rng.bool(0.35)) out[def.key] = this.propertyValue(def);
    }
    if (out.authenticationData !== undefined && out.authenticationMethod === undefined) out.authenticationMethod = this.str();
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private propertyValue(def: PropertyDef): unknown {
    const one = (): unknown => {
      switch (def.kind) {
        case 'bool': return this.rng.bool();
        case 'byte': return this.rng.int(0, def.max ?? 255);
        case 'u16': return this.rng.int(def.min ?? 0, 0xffff);
        case 'u32': return this.rng.bool(0.2) ? 0xffff_ffff : this.rng.int(def.min ?? 0, 0x7fff_ffff);
        case 'varint': return this.rng.pick([1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, this.rng.int(1, 1000)]);
        case 'utf8': return def.topicName ? this.topicName() : this.str();
        case 'binary': return this.rng.bytes(this.rng.int(0, 10));
        // mqtt-packet 9 drops a User Property whose value is '' when the same name follows (it tests the
        // first value for truthiness), so compatible mode keeps values non-empty.
        case 'pair': return [this.rng.pick(['k', 'name', 'é']), this.str(12, this.opts.mqttPacketCompatible ? 1 : 0)];
      }
    };
    if (!def.repeatable) return one();
    const n = this.rng.int(1, 3);
    return Array.from({ length: n }, one);
  }

  packet(type: PacketType = this.rng.pick(this.v === 5 ? TYPES : TYPES.filter((t) => t !== 'auth'))): Packet {
    switch (type) {
      case 'connect': return this.connect();
      case 'connack': return this.connack();
      case 'publish': return this.publish();
      case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': {
        const p: Packet = { type, packetId: this.packetId(), reasonCode: this.v === 5 ? this.reasonCode(type) : 0 };
        return this.withProps(p, type);
      }
      case 'subscribe': return this.subscribe();
      case 'suback': {
        const reasonCodes = Array.from({ length: this.rng.int(1, 5) }, () =>
          this.v === 5 ? this.reasonCode('suback') : this.rng.pick([0, 1, 2, 0x80]));
        return this.withProps({ type, packetId: this.packetId(), reasonCodes }, 'suback');
      }
      case 'unsubscribe': {
        const topicFilters = Array.from({ length: this.rng.int(1, 4) }, () => this.topicFilter());
        return this.withProps({ type, packetId: this.packetId(), topicFilters }, 'unsubscribe');
      }
      case 'unsuback':
        if (this.v !== 5) return { type, packetId: this.packetId() };
        return this.withProps({
          type, packetId: this.packetId(),
          reasonCodes: Array.from({ length: this.rng.int(1, 4) }, () => this.reasonCode('unsuback')),
        }, 'unsuback');
      case 'pingreq': case 'pingresp': return { type };
      case 'disconnect':
        return this.v === 5 ? this.withProps({ type, reasonCode: this.reasonCode('disconnect') }, 'disconnect') : { type };
      case 'auth': {
        const reasonCode = this.reasonCode('auth');
        const properties = { authenticationMethod: this.str(), ...this.properties('auth') };
        return reasonCode === 0 && this.rng.bool() ? { type, reasonCode } : { type, reasonCode, properties };
      }
    }
  }

  private withProps<P extends Packet>(p: P, ctx: PropertyContext): P {
    const properties = this.properties(ctx);
    if (properties !== undefined) (p as { properties?: unknown }).properties = properties;
    return p;
  }

  private connect(): Packet {
    const v = this.v;
    const clean = this.rng.bool();
    const clientId = v === 3 || !clean ? this.str(23, 1) : this.str(23, 0);
    const p: Packet = { type: 'connect', protocolVersion: v, clientId, clean, keepalive: this.rng.int(0, 65535) };
    if (this.rng.bool()) {
      p.will = { topic: this.topicName(), payload: this.bytes(), qos: this.qos(), retain: this.rng.bool() };
      const wp = this.properties('will');
      if (wp) p.will.properties = wp;
    }
    const user = this.rng.bool(0.6);
    if (user) p.username = this.str();
    if (this.rng.bool(0.5) && (user || (v === 5 && !this.opts.mqttPacketCompatible))) p.password = this.rng.bytes(this.rng.int(0, 12));
    return this.withProps(p, 'connect');
  }

  private connack(): Packet {
    const reasonCode = this.v === 5 ? this.reasonCode('connack') : this.rng.pick([0, 0, 1, 2, 3, 4, 5]);
    return this.withProps({ type: 'connack', sessionPresent: reasonCode === 0 && this.rng.bool(), reasonCode }, 'connack');
  }

  private publish(): Packet {
    const qos = this.qos();
    const properties = this.properties('publish');
    const aliasOnly = this.v === 5 && properties?.topicAlias !== undefined && this.rng.bool(0.3);
    const p: Packet = {
      type: 'publish', topic: aliasOnly ? '' : this.topicName(), payload: this.bytes(), qos,
      retain: this.rng.bool(), dup: qos > 0 && this.rng.bool(0.2),
    };
    if (qos > 0) p.packetId = this.packetId();
    if (properties) p.properties = properties;
    return p;
  }

  private subscribe(): Packet {
    const subscriptions = Array.from({ length: this.rng.int(1, 5) }, (): Subscription => {
      const topicFilter = this.rng.bool(0.1) ? `$share/g/${this.str(5, 1)}` : this.topicFilter();
      if (this.v !== 5) return { topicFilter, qos: this.qos() };
      return {
        topicFilter, qos: this.qos(), noLocal: !topicFilter.startsWith('$share/') && this.rng.bool(),
        retainAsPublished: this.rng.bool(), retainHandling: this.rng.int(0, 2) as 0 | 1 | 2,
      };
    });
    return this.withProps({ type: 'subscribe', packetId: this.packetId(), subscriptions }, 'subscribe');
  }
}
