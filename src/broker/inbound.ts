// The PUBLISH pipeline (client to broker) and PUBREL. Named steps run in order; only the authorizePublish
// hook may be asynchronous, and input from the connection waits while it decides, so ordering holds
// [MQTT-4.6.0-5] [MQTT-4.6.0-6].

import { MqttError, ProtocolError } from '../codec';
import type { Packet, PublishPacket, PubrelPacket } from '../codec/types';
import { TopicAliasReceiver } from '../session';
import { topicNameProblem } from '../topic/validate';
import type { Connection } from './connection';
import { diagnosticProperties, type Diagnostics, type PublishVerdict } from './hooks';
import { makeMessage, type BrokerMessage } from './message';

interface PublishContext {
  readonly conn: Connection;
  readonly packet: PublishPacket;
  topic: string;
  message: BrokerMessage | undefined;
  /** Reason code for PUBACK / PUBREC (v5). */
  reasonCode: number;
  /** Reason String / User Properties for PUBACK / PUBREC from a hook's refusal (v5). */
  diagnostics: Diagnostics | undefined;
}

type StepResult = 'next' | 'stop';
type PublishStep = (ctx: PublishContext) => StepResult | Promise<StepResult>;

/** Inbound Topic Alias: 1..our maximum [MQTT-3.3.2-12]; 0 or above is 0x94; an unknown alias is a protocol error. */
function resolveTopicAlias(ctx: PublishContext): StepResult {
  const { conn, packet } = ctx;
  const alias = packet.properties?.topicAlias;
  if (alias === undefined || conn.version !== 5) return 'next';
  conn.aliasesIn ??= new TopicAliasReceiver({ maximum: conn.core.options.topicAliasMaximum, peer: 'client' });
  const resolved = conn.aliasesIn.resolve(packet.topic, alias);
  if (!resolved.ok) throw new MqttError(resolved.message, resolved.reasonCode, resolved.statement);
  ctx.topic = resolved.topic;
  return 'next';
}

/** A client's PUBLISH never carries a Subscription Identifier [MQTT-3.3.4-6]. */
function checkProperties(ctx: PublishContext): StepResult {
  if (ctx.packet.properties?.subscriptionIdentifiers !== undefined) {
    throw new ProtocolError('PUBLISH from a client with a Subscription Identifier', 'MQTT-3.3.4-6');
  }
  return 'next';
}

/** Topic name valid [MQTT-4.7.0-1] [MQTT-4.7.3-1..3] and within the broker's limits; else 0x90. */
function checkTopic(ctx: PublishContext): StepResult {
  const options = ctx.conn.core.options;
  const problem = topicNameProblem(ctx.topic, { maxBytes: options.maxTopicLength, maxLevels: options.maxTopicLevels });
  if (problem) throw new MqttError(`invalid Topic Name (${problem})`, 0x90);
  return 'next';
}

/** QoS above Maximum QoS is 0x9B; RETAIN without retain support is 0x9A. */
function checkCapabilities(ctx: PublishContext): StepResult {
  const { packet } = ctx;
  const options = ctx.conn.core.options;
  if (packet.qos > options.maximumQoS) throw new MqttError(`QoS ${packet.qos} not supported`, 0x9b);
  if (packet.retain && !options.retainAvailable) throw new MqttError('retain not supported', 0x9a);
  return 'next';
}

/**
 * QoS 2: a PUBLISH whose id awaits PUBREL is a resend: PUBREC again, no second delivery [MQTT-4.3.3-10]
 * [3.1.1 MQTT-4.3.3-2]. New QoS 2 ids beyond our Receive Maximum are 0x93.
 */
function filterDuplicate(ctx: PublishContext): StepResult {
  const { conn, packet } = ctx;
  if (packet.qos !== 2) return 'next';
  const pending = conn.session!.awaitingRelease;
  if (pending.has(packet.packetId!)) {
    conn.send({ type: 'pubrec', packetId: packet.packetId!, reasonCode: 0 });
    return 'stop';
  }
  if (pending.size >= conn.core.options.receiveMaximum) {
    throw new MqttError('more unacknowledged QoS 2 PUBLISH than Receive Maximum', 0x93);
  }
  return 'next';
}

/** `$SYS/` topics are not for clients; then the authorizePublish hook decides. */
function authorize(ctx: PublishContext): StepResult | Promise<StepResult> {
  const { conn, packet } = ctx;
  const core = conn.core;
  const message = makeMessage({
    topic: ctx.topic, payload: ownPayload(packet), qos: packet.qos, retain: packet.retain,
    // The clock matters only for a Message Expiry Interval; reading it costs on every message otherwise.
    properties: packet.properties, publisherId: conn.info!.clientId,
    now: packet.properties?.messageExpiryInterval === undefined ? 0 : core.now(),
  });
  ctx.message = message;
  if (ctx.topic.startsWith('$SYS/') || ctx.topic === '$SYS') return deny(ctx, false);
  const hook = core.hooks.authorizePublish;
  if (!hook) return 'next';
  const verdict = hook(conn.info!, message);
  if (verdict instanceof Promise) return verdict.then((v) => (conn.state === 'closed' ? 'stop' : deny(ctx, v)));
  return deny(ctx, verdict);
}

/** Applies a verdict: a refused message is not routed; v5 acks say 0x87, 3.1.1 acks normally [3.1.1 MQTT-3.3.5-2]. */
function deny(ctx: PublishContext, verdict: PublishVerdict): StepResult {
  if (verdict === true) return 'next';
  ctx.message = undefined;
  ctx.reasonCode = verdict === false || verdict.reasonCode < 0x80 ? 0x87 : verdict.reasonCode;
  if (verdict !== false) ctx.diagnostics = diagnosticProperties(verdict);
  return 'next';
}

/** Routes an accepted message; v5 says 0x10 when nobody subscribed. */
function route(ctx: PublishContext): StepResult {
  if (!ctx.message) return 'next';
  const copies = ctx.conn.core.route(ctx.message, ctx.conn.info!);
  if (copies === 0 && ctx.reasonCode === 0) ctx.reasonCode = 0x10;
  return 'next';
}

/**
 * The answer the QoS asks for [MQTT-3.3.4-1]: none, PUBACK [MQTT-4.3.2-4], or PUBREC [MQTT-4.3.3-8],
 * with the packet's id [MQTT-2.2.1-5]. A failed QoS 2 id is not kept, so its reuse is a new message
 * [MQTT-4.3.3-9].
 */
function acknowledge(ctx: PublishContext): StepResult {
  const { conn, packet } = ctx;
  if (packet.qos === 0) return 'stop';
  const reasonCode = conn.version === 5 ? ctx.reasonCode : 0;
  const packetId = packet.packetId!;
  const properties = conn.version === 5 ? ctx.diagnostics : undefined;
  if (packet.qos === 1) {
    acknowledgeWhenDurable(conn, properties ? { type: 'puback', packetId, reasonCode, properties } : { type: 'puback', packetId, reasonCode });
    return 'stop';
  }
  if (reasonCode < 0x80) {
    const session = conn.session!;
    session.awaitingRelease.add(packetId);
    if (session.expiryInterval > 0) conn.core.persistence?.awaitingReleaseChanged(session.clientId, session.awaitingRelease);
  }
  acknowledgeWhenDurable(conn, properties ? { type: 'pubrec', packetId, reasonCode, properties } : { type: 'pubrec', packetId, reasonCode });
  return 'stop';
}

/**
 * Sends PUBACK / PUBREC / PUBCOMP once the state it confirms (retained, queued copies, QoS 2 ids) is
 * durable, when the persistence offers that; acknowledgements of one connection keep their order
 * [MQTT-4.6.0-2] [MQTT-4.6.0-3] [MQTT-4.6.0-4]. Input is not paused meanwhile: later PUBLISH packets are
 * routed and their state joins the same group commit.
 */
function acknowledgeWhenDurable(conn: Connection, packet: Packet): void {
  const durable = conn.core.persistence?.whenDurable?.();
  const tail = conn.ackTail;
  if (!durable && !tail) {
    conn.send(packet);
    return;
  }
  const wait = tail ? (durable ? tail.then(() => durable) : tail) : durable!;
  const sent = wait.then(
    () => {
      if (conn.state !== 'closed') conn.send(packet);
    },
    (err: unknown) => conn.fail(err),
  );
  conn.ackTail = sent;
  void sent.then(() => {
    if (conn.ackTail === sent) conn.ackTail = undefined;
  });
}

const publishSteps: readonly PublishStep[] = [
  checkProperties, resolveTopicAlias, checkTopic, checkCapabilities, filterDuplicate, authorize, route, acknowledge,
];

export function handlePublish(conn: Connection, packet: PublishPacket): void | Promise<void> {
  const ctx: PublishContext = {
    conn, packet, topic: packet.topic, message: undefined, reasonCode: 0, diagnostics: undefined,
  };
  return runSteps(ctx, 0);
}

function runSteps(ctx: PublishContext, start: number): void | Promise<void> {
  for (let i = start; i < publishSteps.length; i++) {
    const result = publishSteps[i]!(ctx);
    if (result === 'stop') return;
    if (result !== 'next') {
      return result.then((r) => (r === 'stop' || ctx.conn.state === 'closed' ? undefined : runSteps(ctx, i + 1)));
    }
  }
}

/** PUBREL releases a QoS 2 id: PUBCOMP with the same id [MQTT-4.3.3-11]; v5 says 0x92 for an unknown id. */
export function handlePubrel(conn: Connection, packet: PubrelPacket): void {
  const session = conn.session!;
  const known = session.awaitingRelease.delete(packet.packetId);
  if (known && session.expiryInterval > 0) conn.core.persistence?.awaitingReleaseChanged(session.clientId, session.awaitingRelease);
  acknowledgeWhenDurable(conn, { type: 'pubcomp', packetId: packet.packetId, reasonCode: known || conn.version !== 5 ? 0 : 0x92 });
}

/**
 * A decoded payload is a view into the socket chunk. Messages that may be stored (QoS > 0 or retained)
 * get their own copy when the chunk is much larger, so a small stored message does not pin a big chunk.
 */
function ownPayload(packet: PublishPacket): Buffer {
  const p = packet.payload;
  if ((packet.qos === 0 && !packet.retain) || p.buffer.byteLength <= p.length * 2 + 1024) return p;
  return Buffer.from(p);
}
