// MQTT 5 enhanced authentication (AUTH exchange, section 4.12). Methods listed in options.authMethods are
// handed to hooks.authenticateEnhanced step by step; any other method is refused with CONNACK 0x8C
// [MQTT-4.12.0-1]. Every AUTH and the successful CONNACK repeat the client's method [MQTT-4.12.0-5]; a
// client that sent no method never gets AUTH [MQTT-4.12.0-6].

import { ProtocolError } from '../codec';
import type { AuthPacket } from '../codec/types';
import { AFTER_ENHANCED_AUTH, refuseConnect, runSteps, type ConnectContext, type StepResult } from './connect';
import type { Connection } from './connection';
import type { AuthStepVerdict } from './hooks';

/** Connect step: no method, go on; unsupported method, refuse; otherwise ask the hook. */
export function startEnhancedAuth(ctx: ConnectContext): StepResult | Promise<StepResult> {
  const { conn } = ctx;
  const method = ctx.packet.properties?.authenticationMethod;
  if (method === undefined || conn.version !== 5) return 'next';
  const hook = conn.core.hooks.authenticateEnhanced;
  if (!hook || !conn.core.options.authMethods.includes(method)) {
    return refuseConnect(ctx, 0x8c, `authentication method "${method}" not supported`);
  }
  conn.authMethod = method;
  const verdict = hook(ctx.info!, { method, data: ctx.packet.properties?.authenticationData, reauthenticate: false });
  if (verdict instanceof Promise) return verdict.then((v) => onConnectVerdict(ctx, v));
  return onConnectVerdict(ctx, verdict);
}

function onConnectVerdict(ctx: ConnectContext, verdict: AuthStepVerdict): StepResult {
  const { conn } = ctx;
  if (conn.state === 'closed') return 'stop';
  if (verdict.status === 'fail') {
    return refuseConnect(ctx, verdict.reasonCode ?? 0x87, verdict.reasonString ?? 'authentication failed', verdict);
  }
  if (verdict.status === 'success') {
    ctx.connack.authenticationMethod = conn.authMethod;
    if (verdict.data) ctx.connack.authenticationData = verdict.data;
    return 'next';
  }
  // More data needed: AUTH 0x18 Continue authentication [MQTT-4.12.0-2]; the pipeline resumes on the reply.
  conn.state = 'authenticating';
  conn.send(authPacket(0x18, conn.authMethod!, verdict.data));
  return 'stop';
}

/** AUTH from the client while CONNECT waits for the exchange to finish. */
export function continueAuth(conn: Connection, packet: AuthPacket): void | Promise<void> {
  const ctx = conn.pendingConnect!;
  checkAuth(conn, packet, 0x18);
  const verdict = conn.core.hooks.authenticateEnhanced!(ctx.info!, {
    method: conn.authMethod!, data: packet.properties?.authenticationData, reauthenticate: false,
  });
  const next = (v: AuthStepVerdict): void | Promise<void> =>
    onConnectVerdict(ctx, v) === 'next' ? runSteps(ctx, AFTER_ENHANCED_AUTH) : undefined;
  return verdict instanceof Promise ? verdict.then(next) : next(verdict);
}

/**
 * Re-authentication after CONNACK (AUTH 0x19, then 0x18 rounds): success answers AUTH 0x00; failure
 * closes the connection with DISCONNECT [MQTT-4.12.1-2].
 */
export function reauthenticate(conn: Connection, packet: AuthPacket): void | Promise<void> {
  if (conn.authMethod === undefined) throw new ProtocolError('AUTH without enhanced authentication in CONNECT');
  checkAuth(conn, packet, conn.reauthenticating ? 0x18 : 0x19);
  conn.reauthenticating = true;
  const verdict = conn.core.hooks.authenticateEnhanced!(conn.info!, {
    method: conn.authMethod, data: packet.properties?.authenticationData, reauthenticate: true,
  });
  const next = (v: AuthStepVerdict): void => {
    if (conn.state === 'closed') return;
    if (v.status === 'fail') {
      conn.disconnect(v.reasonCode ?? 0x87, v.reasonString ?? 're-authentication failed', v);
      return;
    }
    conn.reauthenticating = v.status === 'continue';
    conn.send(authPacket(v.status === 'continue' ? 0x18 : 0x00, conn.authMethod!, v.data));
  };
  return verdict instanceof Promise ? verdict.then(next) : next(verdict);
}

function checkAuth(conn: Connection, packet: AuthPacket, expected: number): void {
  if (packet.reasonCode !== expected) {
    throw new ProtocolError(`AUTH reason code 0x${packet.reasonCode.toString(16)} where 0x${expected.toString(16)} was expected`);
  }
  if (packet.properties?.authenticationMethod !== conn.authMethod) {
    throw new ProtocolError('AUTH with a different Authentication Method than CONNECT', 'MQTT-4.12.0-5');
  }
}

function authPacket(reasonCode: number, method: string, data: Buffer | undefined): AuthPacket {
  const packet: AuthPacket = { type: 'auth', reasonCode, properties: { authenticationMethod: method } };
  if (data) packet.properties!.authenticationData = data;
  return packet;
}
