// Incoming PUBLISH and PUBREL on the client: resolve Topic Aliases, deliver, and acknowledge as the QoS
// requires [MQTT-3.3.4-1], in arrival order [MQTT-4.6.0-2] [MQTT-4.6.0-3], even when the application
// does not want the message [MQTT-4.5.0-2]. QoS 2 uses method B (./inbound.ts): the id is persisted
// before the message is delivered, and kept until PUBREL.
import type { PublishPacket, PubrelPacket } from '../codec/types';
import type { Effect } from './effects';
import type { InboundQos2 } from './inbound';
import type { Wire } from './link';
import { violation } from './violations';

export function receivePublish<H>(fx: Effect<H>[], wire: Wire<H>, inbound: InboundQos2, p: PublishPacket, now: number): void {
  const link = wire.link!;
  if (link.version === 5) {
    const alias = p.properties?.topicAlias;
    if (alias !== undefined || p.topic === '') {
      const resolved = link.aliasIn.resolve(p.topic, alias);
      if (!resolved.ok) {
        fx.push(violation(link, resolved.reasonCode, { v5: resolved.statement }, resolved.message));
        return;
      }
      p.topic = resolved.topic;
      if (p.properties) delete p.properties.topicAlias; // the application sees topics, not aliases
    }
  }
  if (p.qos === 0) {
    fx.push({ kind: 'deliver', packet: p });
    return;
  }
  const packetId = p.packetId!;
  if (p.qos === 1) {
    fx.push({ kind: 'deliver', packet: p });
    wire.send(fx, { type: 'puback', packetId, reasonCode: 0 }, now); // [MQTT-4.3.2-2] [v5 MQTT-4.3.2-4]
    return;
  }
  const arrival = inbound.onPublish(packetId);
  if (arrival === 'overLimit') {
    fx.push(violation(link, 0x93, { v5: 'MQTT-3.3.4-9' }, `QoS 2 PUBLISH ${packetId} beyond our Receive Maximum of ${inbound.size}`));
    return;
  }
  if (arrival === 'new') {
    fx.push({ kind: 'persistIncoming', packetId });
    fx.push({ kind: 'deliver', packet: p });
  }
  wire.send(fx, { type: 'pubrec', packetId, reasonCode: 0 }, now); // [v5 MQTT-4.3.3-8] [v5 MQTT-4.3.3-10]
}

/**
 * PUBREL: forget the id and answer PUBCOMP [v5 MQTT-4.3.3-11]. A PUBREL for an id we do not hold is not
 * a violation: after a reconnect the server re-sends PUBREL for exchanges whose PUBCOMP it never got
 * [MQTT-4.4.0-1], and we may have completed them already. It is answered with PUBCOMP too (v5: reason
 * 0x92 Packet Identifier not found), so the server can finish.
 */
export function receivePubrel<H>(fx: Effect<H>[], wire: Wire<H>, inbound: InboundQos2, p: PubrelPacket, now: number): void {
  const released = inbound.onPubrel(p.packetId) === 'released';
  if (released) fx.push({ kind: 'unpersistIncoming', packetId: p.packetId });
  const reasonCode = released || wire.link!.version !== 5 ? 0 : 0x92;
  wire.send(fx, { type: 'pubcomp', packetId: p.packetId, reasonCode }, now);
}
