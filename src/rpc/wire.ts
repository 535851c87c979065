// Small pieces shared by both engines when they build PUBLISH messages.
import type { PublishProperties } from '../codec/types';
import type { RpcMessageMeta } from './types';

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
