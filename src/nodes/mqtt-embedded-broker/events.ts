// Broker happenings as Node-RED messages. Output 1: client events with msg.topic = the event name and
// msg.payload = what happened (documented in help.html); output 2: every message routed by the broker
// (only when that output is wired), shaped like mqtt-in's output.
import type { AuthFailure, BrokerMessage, ClientInfo, CloseReason } from '../../broker';
import type { NodeMessage } from '../shared/red';
import { pairsToObject } from '../shared/user-properties';

export interface ClientFields {
  clientId: string;
  username: string | undefined;
  remoteAddress: string;
  listener: string;
  protocolVersion: number;
}

export function clientFields(c: ClientInfo): ClientFields {
  return { clientId: c.clientId, username: c.username, remoteAddress: c.remoteAddress, listener: c.listener, protocolVersion: c.version };
}

export function connectMsg(c: ClientInfo, details: { sessionPresent: boolean }): NodeMessage {
  return { topic: 'clientConnect', payload: { ...clientFields(c), sessionPresent: details.sessionPresent } };
}

export function disconnectMsg(c: ClientInfo, reason: CloseReason): NodeMessage {
  return {
    topic: 'clientDisconnect',
    payload: { ...clientFields(c), reasonCode: reason.reasonCode, reason: reason.message, origin: reason.origin },
  };
}

export function subscribeMsg(c: ClientInfo, subs: Array<{ topicFilter: string; reasonCode: number }>): NodeMessage {
  return {
    topic: 'subscribe',
    payload: {
      ...clientFields(c),
      subscriptions: subs.map((s) => (s.reasonCode < 0x80
        ? { topic: s.topicFilter, qos: s.reasonCode, granted: true }
        : { topic: s.topicFilter, reasonCode: s.reasonCode, granted: false })),
    },
  };
}

export function unsubscribeMsg(c: ClientInfo, topics: string[]): NodeMessage {
  return { topic: 'unsubscribe', payload: { ...clientFields(c), topics } };
}

export function authFailureMsg(f: AuthFailure): NodeMessage {
  const payload: Record<string, unknown> = {
    clientId: f.clientId, username: f.username, remoteAddress: f.remoteAddress, listener: f.listener,
    reason: f.reason, reasonCode: f.reasonCode, failures: f.failures,
  };
  if (f.bannedUntil !== undefined) payload.bannedUntil = new Date(f.bannedUntil).toISOString();
  return { topic: 'authFailure', payload };
}

/** A routed message for output 2: topic, payload (Buffer), qos, retain, the publisher and v5 properties. */
export function publishMsg(m: BrokerMessage, publisher: ClientInfo | null): NodeMessage {
  const msg: NodeMessage = {
    topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain,
    client: publisher ? { clientId: publisher.clientId, username: publisher.username } : null,
  };
  const p = m.properties;
  if (p?.responseTopic !== undefined) msg.responseTopic = p.responseTopic;
  if (p?.correlationData !== undefined) msg.correlationData = p.correlationData;
  if (p?.contentType !== undefined) msg.contentType = p.contentType;
  if (p?.payloadFormatIndicator !== undefined) msg.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p?.userProperties !== undefined) msg.userProperties = pairsToObject(p.userProperties);
  if (m.expiresAt !== undefined) msg.messageExpiryInterval = Math.max(0, Math.ceil((m.expiresAt - Date.now()) / 1000));
  return msg;
}

/** A retained message as the 'retained' action lists it. */
export function retainedEntry(m: BrokerMessage): Record<string, unknown> {
  const entry = publishMsg(m, null);
  delete entry.client;
  return entry;
}
