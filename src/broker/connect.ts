// The CONNECT pipeline: named steps run in order; a step answers 'next', 'stop' (it refused or handed
// off to the AUTH exchange), or a Promise of either (only hooks are asynchronous; nothing is awaited
// when they answer synchronously).

import { connectReturnCodeFor } from '../codec';
import type { ConnackPacket, ConnackProperties, ConnectPacket } from '../codec/types';
import { topicNameProblem } from '../topic/validate';
import { startEnhancedAuth } from './auth';
import type { Connection } from './connection';
import type { ClientInfo, ConnectVerdict, Diagnostics } from './hooks';
import { snapshotOf, takeOverSession } from './lifecycle';
import { TopicAliasSender } from '../session';
import { PROTOCOL_MAX_PACKET } from './options';
import { resend } from './outbound';
import type { BrokerSession } from './session';

export type StepResult = 'next' | 'stop';

export interface ConnectContext {
  readonly conn: Connection;
  readonly packet: ConnectPacket;
  clientId: string;
  info: ClientInfo | undefined;
  /** Properties of the CONNACK being prepared (v5). */
  readonly connack: ConnackProperties;
  /** Granted Session Expiry Interval, seconds. */
  expiry: number;
  session: BrokerSession | undefined;
  sessionPresent: boolean;
}

type ConnectStep = (ctx: ConnectContext) => StepResult | Promise<StepResult>;

/** Refuses the CONNECT with a v5 reason code, mapped to a return code for 3.1/3.1.1. */
export function refuseConnect(ctx: ConnectContext, reasonCode: number, message: string, diagnostics?: Diagnostics): 'stop' {
  const { conn } = ctx;
  const version = conn.version;
  if (reasonCode === 0x86 || reasonCode === 0x87 || reasonCode === 0x8c) {
    conn.core.stats.authFailures++;
    conn.core.emit('authFailure', ctx.info, reasonCode);
  }
  conn.refuse(reasonCode, message, { version, code: version === 5 ? reasonCode : connectReturnCodeFor(reasonCode), diagnostics });
  return 'stop';
}

/** Over capacity or shutting down: 0x97 Quota exceeded / 0x8B Server shutting down (3.1.1: 3). */
function checkCapacity(ctx: ConnectContext): StepResult {
  const core = ctx.conn.core;
  if (core.closing) return refuseConnect(ctx, 0x8b, 'server shutting down');
  if (core.connectedCount >= core.options.maxConnections) return refuseConnect(ctx, 0x97, 'too many connections');
  return 'next';
}

/**
 * Client identifiers: any non-empty UTF-8 id up to maxClientIdLength is accepted (this covers the
 * 1-23 [0-9a-zA-Z] ids every server must accept [MQTT-3.1.3-5]). An empty id gets an assigned unique one
 * [MQTT-3.1.3-6] returned in CONNACK [MQTT-3.1.3-7] [MQTT-3.2.2-16], except with Clean Session 0 in
 * 3.1.1 [3.1.1 MQTT-3.1.3-8] and in 3.1, which are refused [MQTT-3.1.3-8] [3.1.1 MQTT-3.1.3-9].
 */
function validateClientId(ctx: ConnectContext): StepResult {
  const { conn, packet } = ctx;
  const options = conn.core.options;
  let clientId = packet.clientId;
  if (clientId === '') {
    if (conn.version === 3 || (conn.version === 4 && !packet.clean) || !options.allowEmptyClientId) {
      return refuseConnect(ctx, 0x85, 'empty client identifier not allowed');
    }
    clientId = conn.core.assignClientId();
    if (conn.version === 5) ctx.connack.assignedClientIdentifier = clientId;
  } else if (clientId.length > options.maxClientIdLength) {
    return refuseConnect(ctx, 0x85, 'client identifier too long');
  }
  ctx.clientId = clientId;
  const identity = conn.meta.identity;
  ctx.info = conn.info = {
    clientId, version: conn.version, username: identity ?? packet.username, remoteAddress: conn.meta.remoteAddress,
    listener: conn.meta.listener, ...(identity === undefined ? {} : { identity }),
  };
  return 'next';
}

/** Will topic valid; Will QoS within Maximum QoS [MQTT-3.2.2-12]; Will Retain only if supported [MQTT-3.2.2-13]. */
function validateWill(ctx: ConnectContext): StepResult {
  const will = ctx.packet.will;
  if (!will) return 'next';
  const options = ctx.conn.core.options;
  if (topicNameProblem(will.topic, { maxBytes: options.maxTopicLength, maxLevels: options.maxTopicLevels })) {
    return refuseConnect(ctx, 0x90, 'invalid Will topic');
  }
  if (will.qos > options.maximumQoS) return refuseConnect(ctx, 0x9b, 'Will QoS not supported');
  if (will.retain && !options.retainAvailable) return refuseConnect(ctx, 0x9a, 'Will retain not supported');
  return 'next';
}

/** Keep alive, session expiry, and the v5 limits of both sides. */
function negotiate(ctx: ConnectContext): StepResult {
  const { conn, packet, connack } = ctx;
  const options = conn.core.options;
  let keepalive = packet.keepalive;
  if (conn.version === 5 && options.maxKeepalive > 0 && (keepalive === 0 || keepalive > options.maxKeepalive)) {
    keepalive = options.maxKeepalive;
    connack.serverKeepAlive = keepalive;
  }
  // Without Server Keep Alive the client's value applies [MQTT-3.2.2-22].
  conn.keepalive.start(keepalive, conn.core.now());
  if (conn.version !== 5) {
    ctx.expiry = packet.clean ? 0 : options.maxSessionExpiry;
    conn.sendWindow = options.maxInflight;
    return 'next';
  }
  const props = packet.properties ?? {};
  const requested = props.sessionExpiryInterval ?? 0;
  ctx.expiry = Math.min(requested, options.maxSessionExpiry);
  if (ctx.expiry !== requested) connack.sessionExpiryInterval = ctx.expiry;
  conn.connectExpiry = requested;
  conn.sendWindow = Math.min(props.receiveMaximum ?? 65535, options.maxInflight);
  conn.maxOutgoingPacket = props.maximumPacketSize ?? Number.POSITIVE_INFINITY;
  const aliases = Math.min(props.topicAliasMaximum ?? 0, options.outboundTopicAliases);
  if (aliases > 0) conn.aliasesOut = new TopicAliasSender(aliases);
  conn.requestProblemInformation = props.requestProblemInformation ?? true;
  advertiseLimits(ctx);
  // Response Information only when asked for [MQTT-3.1.2-28].
  if (props.requestResponseInformation && options.responseInformation !== undefined) {
    connack.responseInformation = `${options.responseInformation}${ctx.clientId}/`;
  }
  return 'next';
}

function advertiseLimits(ctx: ConnectContext): void {
  const { connack } = ctx;
  const options = ctx.conn.core.options;
  if (options.receiveMaximum < 65535) connack.receiveMaximum = options.receiveMaximum;
  if (options.maxPacketSize < PROTOCOL_MAX_PACKET) connack.maximumPacketSize = options.maxPacketSize;
  if (options.topicAliasMaximum > 0) connack.topicAliasMaximum = options.topicAliasMaximum;
  // A server without QoS 1 or 2 says so [MQTT-3.2.2-9].
  if (options.maximumQoS < 2) connack.maximumQoS = options.maximumQoS as 0 | 1;
  if (!options.retainAvailable) connack.retainAvailable = false;
  if (!options.wildcardSubscriptions) connack.wildcardSubscriptionAvailable = false;
  if (!options.subscriptionIdentifiers) connack.subscriptionIdentifiersAvailable = false;
  if (!options.sharedSubscriptions) connack.sharedSubscriptionAvailable = false;
}

/** The authenticate hook [MQTT-3.1.4-2]: false refuses with 0x87 (3.1.1: 5), a Refusal with its code. */
function authenticate(ctx: ConnectContext): StepResult | Promise<StepResult> {
  const hook = ctx.conn.core.hooks.authenticate;
  if (!hook) return 'next';
  const { packet } = ctx;
  const verdict = hook(ctx.info!, {
    username: packet.username, password: packet.password, userProperties: packet.properties?.userProperties,
    cleanStart: packet.clean,
  });
  if (verdict instanceof Promise) return verdict.then((v) => judge(ctx, v));
  return judge(ctx, verdict);
}

function judge(ctx: ConnectContext, verdict: ConnectVerdict): StepResult {
  if (ctx.conn.state === 'closed') return 'stop';
  if (verdict === true) return 'next';
  if (verdict === false) return refuseConnect(ctx, 0x87, 'not authorized');
  return refuseConnect(ctx, verdict.reasonCode >= 0x80 ? verdict.reasonCode : 0x87, verdict.reasonString ?? 'refused', verdict);
}

function takeOver(ctx: ConnectContext): StepResult {
  const { session, present } = takeOverSession(ctx.conn.core, ctx.conn, ctx.packet.clean);
  // A stored session resumed with expiry 0 is no longer persistent: forget its stored state.
  if (present && session.expiryInterval > 0 && ctx.expiry === 0) ctx.conn.core.persistence?.sessionDeleted(session.clientId);
  session.expiryInterval = ctx.expiry;
  session.username = ctx.info!.username;
  ctx.session = session;
  // Clean Start: Session Present 0 [v5 MQTT-3.2.2-2]; resumed: 1 if state existed [v5 MQTT-3.2.2-3]
  // [3.1.1 MQTT-3.2.2-1] [3.1.1 MQTT-3.2.2-2] [3.1.1 MQTT-3.2.2-3].
  ctx.sessionPresent = present;
  return 'next';
}

/** The Will is kept with the connection until it ends [v5 MQTT-3.1.2-7] [3.1.1 MQTT-3.1.2-8]. */
function storeWill(ctx: ConnectContext): StepResult {
  const will = ctx.packet.will;
  if (will) {
    const delay = ctx.conn.version === 5 ? will.properties?.willDelayInterval ?? 0 : 0;
    ctx.conn.will = { will, delay, client: ctx.info! };
  }
  return 'next';
}

/** CONNACK 0x00, the first packet the server sends [MQTT-3.2.0-1] and only once [MQTT-3.2.0-2]. */
function sendConnack(ctx: ConnectContext): StepResult {
  const { conn, connack } = ctx;
  const session = ctx.session!;
  conn.state = 'ready';
  conn.accepted = true;
  conn.pendingConnect = undefined;
  conn.session = session;
  session.connection = conn;
  conn.core.connectedCount++;
  const packet: ConnackPacket = { type: 'connack', sessionPresent: ctx.sessionPresent, reasonCode: 0 };
  if (conn.version === 5 && Object.keys(connack).length > 0) packet.properties = connack;
  conn.send(packet);
  if (session.expiryInterval > 0) conn.core.persistence?.sessionChanged(snapshotOf(session));
  conn.core.emit('clientConnect', ctx.info, { sessionPresent: ctx.sessionPresent });
  return 'next';
}

/** A resumed session gets its unacknowledged messages again, then its queue [MQTT-4.4.0-1]. */
function resumeDelivery(ctx: ConnectContext): StepResult {
  if (ctx.sessionPresent) resend(ctx.conn.core, ctx.session!);
  return 'next';
}

export const connectSteps: readonly ConnectStep[] = [
  checkCapacity, validateClientId, validateWill, negotiate, startEnhancedAuth, authenticate, takeOver, storeWill,
  sendConnack, resumeDelivery,
];

/** Index of the step after enhanced authentication, where a finished AUTH exchange resumes. */
export const AFTER_ENHANCED_AUTH = connectSteps.indexOf(startEnhancedAuth) + 1;

export function runConnect(conn: Connection, packet: ConnectPacket): void | Promise<void> {
  conn.version = packet.protocolVersion;
  conn.writer.version = packet.protocolVersion;
  const ctx: ConnectContext = {
    conn, packet, clientId: packet.clientId, info: undefined, connack: {}, expiry: 0, session: undefined,
    sessionPresent: false,
  };
  conn.pendingConnect = ctx;
  return runSteps(ctx, 0);
}

/** Runs steps from `start`; returns a Promise only if some step was asynchronous. */
export function runSteps(ctx: ConnectContext, start: number): void | Promise<void> {
  for (let i = start; i < connectSteps.length; i++) {
    const result = connectSteps[i]!(ctx);
    if (result === 'stop') return;
    if (result !== 'next') {
      return result.then((r) => (r === 'stop' || ctx.conn.state === 'closed' ? undefined : runSteps(ctx, i + 1)));
    }
  }
}
