// CONNECT from options, and the facts of a CONNACK the driver and its users honour. Pure.
import type { ConnackPacket, ConnectPacket, ConnectProperties, QoS, Will } from '../codec/types';
import type { ConnectionOptions } from './options';
import type { ServerInfo } from './types';

/** The CONNECT for one connection attempt. v5-only fields are left out for 3.1/3.1.1. */
export function buildConnect(o: ConnectionOptions, clientId: string): ConnectPacket {
  const v5 = o.protocolVersion === 5;
  const packet: ConnectPacket = {
    type: 'connect',
    protocolVersion: o.protocolVersion,
    clientId,
    clean: o.clean,
    keepalive: o.keepalive,
  };
  if (o.username !== undefined) packet.username = o.username;
  if (o.password !== undefined) packet.password = o.password;
  if (o.will) packet.will = v5 ? o.will : stripWillProperties(o.will);
  if (v5) {
    const p: ConnectProperties = {};
    if (o.sessionExpiryInterval > 0) p.sessionExpiryInterval = o.sessionExpiryInterval;
    if (o.receiveMaximum !== 65535) p.receiveMaximum = o.receiveMaximum;
    if (o.maximumPacketSize !== undefined) p.maximumPacketSize = o.maximumPacketSize;
    if (o.topicAliasMaximum > 0) p.topicAliasMaximum = o.topicAliasMaximum;
    // Defaults on the wire are requestProblemInformation=1, requestResponseInformation=0: send only changes.
    if (!o.requestProblemInformation) p.requestProblemInformation = false;
    if (o.requestResponseInformation) p.requestResponseInformation = true;
    if (o.userProperties.length > 0) p.userProperties = o.userProperties;
    if (Object.keys(p).length > 0) packet.properties = p;
  }
  return packet;
}

function stripWillProperties(will: Will): Will {
  const { properties: _dropped, ...rest } = will;
  return rest;
}

/** What a CONNACK tells the client, with the spec's defaults for absent properties. */
export function serverInfoFrom(connack: ConnackPacket, o: ConnectionOptions, clientId: string): ServerInfo {
  const p = o.protocolVersion === 5 ? connack.properties ?? {} : {};
  return {
    sessionPresent: connack.sessionPresent,
    properties: { ...p },
    clientId: p.assignedClientIdentifier ?? clientId,
    keepalive: p.serverKeepAlive ?? o.keepalive,
    maximumQoS: (p.maximumQoS ?? 2) as QoS,
    retainAvailable: p.retainAvailable ?? true,
    maximumPacketSize: p.maximumPacketSize,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    receiveMaximum: p.receiveMaximum ?? 65535,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? o.protocolVersion === 5,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
  };
}
