// Building the PUBLISH messages of requests (both protocols) and the pieces the engines share.
import type { PublishProperties, QoS } from '../codec/types';
import type { PublishMessage } from '../client/types';
import { correlationLevel } from './correlation';
import { encodeRequestEnvelope } from './envelope';
import type { RpcMessageMeta, RpcProtocol } from './types';

/** MQTT 5 properties for the optional metadata of a request or reply; undefined when there is none. */
export function metaProperties(meta: RpcMessageMeta): PublishProperties | undefined {
  if (meta.contentType === undefined && !meta.userProperties?.length && meta.payloadFormatIndicator === undefined) return undefined;
  const properties: PublishProperties = {};
  if (meta.contentType !== undefined) properties.contentType = meta.contentType;
  if (meta.userProperties?.length) properties.userProperties = meta.userProperties;
  if (meta.payloadFormatIndicator !== undefined) properties.payloadFormatIndicator = meta.payloadFormatIndicator;
  return properties;
}

export function toBuffer(payload: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export interface RequestParts {
  protocol: RpcProtocol;
  /** The connection is MQTT 5 (an enveloped request then still carries Message Expiry). */
  v5Connection: boolean;
  /** The requester's response topic (envelope: the parent of the per-request level). */
  responseTopic: string;
  correlation: Buffer;
  /** Remaining timeout, whole seconds rounded up (at least 1). */
  expirySeconds: number;
  input: RpcMessageMeta & { topic: string; payload: Buffer | Uint8Array | string; qos?: QoS | undefined };
}

/** The PUBLISH of one request: MQTT 5 properties (docs/rpc.md §2.1) or the JSON envelope (§4). */
export function requestMessage(r: RequestParts): PublishMessage {
  const { input } = r;
  const qos = input.qos ?? 1;
  if (r.protocol === 'v5') {
    const properties = metaProperties(input) ?? {};
    properties.responseTopic = r.responseTopic;
    properties.correlationData = r.correlation;
    properties.messageExpiryInterval = r.expirySeconds;
    return { topic: input.topic, payload: input.payload, qos, properties };
  }
  const payload = encodeRequestEnvelope({
    responseTopic: `${r.responseTopic}/${correlationLevel(r.correlation)}`,
    correlationData: r.correlation,
    payload: toBuffer(input.payload),
    contentType: input.contentType,
    userProperties: input.userProperties,
  });
  const message: PublishMessage = { topic: input.topic, payload, qos };
  if (r.v5Connection) message.properties = { messageExpiryInterval: r.expirySeconds };
  return message;
}
