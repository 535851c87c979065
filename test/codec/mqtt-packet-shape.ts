// Mapping between our packet model and mqtt-packet's objects, for the differential test.
// Differences in shape (not in meaning): cmd/messageId/returnCode/granted/unsubscriptions names, user
// properties as an object (names grouped, so order across different names is lost), one or several
// subscription identifiers as a number or an array.
import type { Packet, ProtocolVersion, UserProperties } from '../../src/codec/index';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

function userPropsToObject(pairs: UserProperties): Obj {
  const out: Obj = Object.create(null);
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function userPropsFromObject(o: Obj): UserProperties {
  const out: UserProperties = [];
  for (const k of Object.keys(o)) for (const v of [o[k]].flat()) out.push([k, String(v)]);
  return out;
}

function propsToMp(props: Obj | undefined): Obj | undefined {
  if (!props) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(props)) {
    if (k === 'userProperties') out.userProperties = userPropsToObject(v);
    else if (k === 'subscriptionIdentifiers') out.subscriptionIdentifier = v.length === 1 ? v[0] : v;
    else out[k] = v;
  }
  return out;
}

function propsFromMp(props: Obj | undefined, type: string): Obj | undefined {
  if (!props || Object.keys(props).length === 0) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(props)) {
    if (k === 'userProperties') out.userProperties = userPropsFromObject(v);
    else if (k === 'subscriptionIdentifier' && type === 'publish') out.subscriptionIdentifiers = [v].flat();
    else out[k] = v;
  }
  return out;
}

/** Our packet as the object mqtt-packet's generate() expects. */
export function toMqttPacket(p: Packet, v: ProtocolVersion): Obj {
  const props = propsToMp((p as { properties?: Obj }).properties);
  const base: Obj = { cmd: p.type, ...(props ? { properties: props } : {}) };
  switch (p.type) {
    case 'connect':
      return {
        ...base, protocolId: v === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: v, clientId: p.clientId, clean: p.clean,
        keepalive: p.keepalive, username: p.username, password: p.password,
        will: p.will && { ...p.will, properties: propsToMp(p.will.properties) },
      };
    case 'connack':
      return { ...base, sessionPresent: p.sessionPresent, [v === 5 ? 'reasonCode' : 'returnCode']: p.reasonCode };
    case 'publish':
      return { ...base, topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup, messageId: p.packetId };
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return { ...base, messageId: p.packetId, reasonCode: p.reasonCode };
    case 'subscribe':
      return {
        ...base, messageId: p.packetId,
        subscriptions: p.subscriptions.map((s) => ({ topic: s.topicFilter, qos: s.qos, nl: s.noLocal, rap: s.retainAsPublished, rh: s.retainHandling })),
      };
    case 'suback': return { ...base, messageId: p.packetId, granted: p.reasonCodes };
    case 'unsubscribe': return { ...base, messageId: p.packetId, unsubscriptions: p.topicFilters };
    case 'unsuback': return { ...base, messageId: p.packetId, granted: p.reasonCodes };
    case 'disconnect': case 'auth': return { ...base, reasonCode: p.reasonCode };
    case 'pingreq': case 'pingresp': return base;
  }
}

/** A packet parsed by mqtt-packet, in our model. */
export function fromMqttPacket(mp: Obj, v: ProtocolVersion): Packet {
  const withProps = <P extends Packet>(p: P, props = propsFromMp(mp.properties, mp.cmd)): P => {
    if (props) (p as { properties?: Obj }).properties = props;
    return p;
  };
  switch (mp.cmd as Packet['type']) {
    case 'connect': {
      const p: Obj = { type: 'connect', protocolVersion: mp.protocolVersion, clientId: mp.clientId, clean: mp.clean, keepalive: mp.keepalive };
      if (mp.will) {
        p.will = { topic: mp.will.topic, payload: mp.will.payload, qos: mp.will.qos, retain: mp.will.retain };
        const wp = propsFromMp(mp.will.properties, 'will');
        if (wp) p.will.properties = wp;
      }
      if (mp.username !== undefined) p.username = mp.username;
      if (mp.password !== undefined) p.password = mp.password;
      return withProps(p as Packet);
    }
    case 'connack':
      return withProps({ type: 'connack', sessionPresent: mp.sessionPresent, reasonCode: v === 5 ? mp.reasonCode : mp.returnCode });
    case 'publish': {
      const p: Packet = { type: 'publish', topic: mp.topic, payload: mp.payload, qos: mp.qos, retain: mp.retain, dup: mp.dup };
      if (mp.qos > 0) p.packetId = mp.messageId;
      return withProps(p);
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return withProps({ type: mp.cmd, packetId: mp.messageId, reasonCode: v === 5 ? mp.reasonCode ?? 0 : 0 });
    case 'subscribe':
      return withProps({
        type: 'subscribe', packetId: mp.messageId,
        subscriptions: mp.subscriptions.map((s: Obj) => (v === 5
          ? { topicFilter: s.topic, qos: s.qos, noLocal: s.nl, retainAsPublished: s.rap, retainHandling: s.rh }
          : { topicFilter: s.topic, qos: s.qos })),
      });
    case 'suback': return withProps({ type: 'suback', packetId: mp.messageId, reasonCodes: mp.granted });
    case 'unsubscribe': return withProps({ type: 'unsubscribe', packetId: mp.messageId, topicFilters: mp.unsubscriptions });
    case 'unsuback':
      return v === 5 ? withProps({ type: 'unsuback', packetId: mp.messageId, reasonCodes: mp.granted }) : { type: 'unsuback', packetId: mp.messageId };
    case 'disconnect': return v === 5 ? withProps({ type: 'disconnect', reasonCode: mp.reasonCode }) : { type: 'disconnect' };
    case 'auth': return withProps({ type: 'auth', reasonCode: mp.reasonCode });
    case 'pingreq': case 'pingresp': return { type: mp.cmd };
  }
}

/** Our packet with user properties grouped by name the way mqtt-packet's object form reorders them. */
export function groupUserProperties(p: Packet): Packet {
  const fix = (props: Obj | undefined): Obj | undefined =>
    props?.userProperties ? { ...props, userProperties: userPropsFromObject(userPropsToObject(props.userProperties)) } : props;
  const out: Obj = { ...p };
  if (out.properties) out.properties = fix(out.properties);
  if (out.will?.properties) out.will = { ...out.will, properties: fix(out.will.properties) };
  return out as Packet;
}
