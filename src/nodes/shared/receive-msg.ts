// One received PUBLISH -> one Node-RED msg. Top-level properties keep core's names and meaning (topic,
// payload, qos, retain and the v5 properties), so flows written for core's mqtt in keep working; what core
// does not give (P10, core #3495) lives under msg.mqtt so it never collides with a flow's own properties.
import type { PublishPacket } from '../../codec/types';
import { kitError, type MqttKitError, type Translate } from './errors';
import { convertPayload, PayloadTypeError, type Datatype } from './payload';
import type { NodeMessage } from './red';
import { pairsToObject } from './user-properties';

/** Packet metadata under msg.mqtt (documented in help and docs/nodes.md). */
export interface MqttMeta {
  /** The DUP flag: the sender may have sent this QoS 1 message before. */
  dup: boolean;
  /** Packet identifier (QoS 1 and 2 only). Reused by the sender after the exchange completes. */
  messageId?: number;
  /** The subscription of this node that matched, exactly as subscribed (with any `$share/group/`). */
  subscription: string;
  /** v5 subscription identifiers carried by the packet (as the broker sent them). */
  subscriptionIdentifiers?: number[];
  /** Id of the mqtt-broker-config node the message came through. */
  broker: string;
  /** Whatever the dynamic subscribe request attached as `context` (core #4269). */
  context?: unknown;
}

export interface ReceiveContext {
  datatype: Datatype;
  subscription: string;
  broker: string;
  t: Translate;
  context?: unknown;
}

/** The v5 properties that core's mqtt in copies to the msg, under the same names. */
function copyProperties(packet: PublishPacket, msg: NodeMessage): void {
  const p = packet.properties;
  if (!p) return;
  if (p.responseTopic !== undefined) msg.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) msg.correlationData = p.correlationData;
  if (p.contentType !== undefined) msg.contentType = p.contentType;
  if (p.messageExpiryInterval !== undefined) msg.messageExpiryInterval = p.messageExpiryInterval;
  if (p.payloadFormatIndicator !== undefined) msg.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.userProperties !== undefined) msg.userProperties = pairsToObject(p.userProperties);
}

function meta(packet: PublishPacket, ctx: ReceiveContext): MqttMeta {
  const m: MqttMeta = { dup: packet.dup, subscription: ctx.subscription, broker: ctx.broker };
  if (packet.packetId !== undefined) m.messageId = packet.packetId;
  const ids = packet.properties?.subscriptionIdentifiers;
  if (ids?.length) m.subscriptionIdentifiers = ids.slice();
  if (ctx.context !== undefined) m.context = ctx.context;
  return m;
}

/** The msg for a PUBLISH, or the raw msg (payload as Buffer) with the error when the type does not fit. */
export type Received =
  | { ok: true; msg: NodeMessage }
  | { ok: false; msg: NodeMessage; error: MqttKitError };

/**
 * Builds the output msg. When the payload does not fit the chosen output type (`json` that does not parse,
 * or content type application/json on bytes that are not JSON) the result carries an INVALID_JSON or
 * NOT_UTF8 error and the msg with the raw Buffer, for node.error(err, msg): a Catch node sees both.
 */
export function publishToMsg(packet: PublishPacket, ctx: ReceiveContext): Received {
  const msg: NodeMessage = { topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain };
  copyProperties(packet, msg);
  msg.mqtt = meta(packet, ctx);
  const hints = { contentType: packet.properties?.contentType, payloadFormatIndicator: packet.properties?.payloadFormatIndicator };
  try {
    msg.payload = convertPayload(packet.payload, ctx.datatype, hints);
    return { ok: true, msg };
  } catch (err) {
    if (!(err instanceof PayloadTypeError)) throw err;
    const code = err.reason === 'invalid-json' ? 'INVALID_JSON' : 'NOT_UTF8';
    return { ok: false, msg, error: kitError(ctx.t, code, { topic: packet.topic, detail: err.message }) };
  }
}
