// Payload conversion at the msg boundary, both directions.
//
// Outgoing (msg.payload -> bytes) follows core's mqtt out exactly so flows behave the same: Buffer as is,
// string as UTF-8, null/undefined as "", objects and arrays as JSON, numbers/booleans/bigints as text.
// Incoming (bytes -> msg.payload) follows the mqtt-in "Output" setting; auto-detect honours the v5
// content type and payload format indicator before it sniffs the bytes.
import { isUtf8 } from '../../codec';

/** Outgoing payload bytes. The caller checks that msg has a payload property at all. */
export function payloadBytes(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload === null || payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (typeof payload === 'object') return Buffer.from(JSON.stringify(payload), 'utf8');
  return Buffer.from(String(payload), 'utf8');
}

/** Values of mqtt-in's `datatype` (same names as core; `auto` is core's deprecated string-or-buffer mode). */
export type Datatype = 'auto-detect' | 'auto' | 'utf8' | 'buffer' | 'json' | 'base64';
export const DATATYPES: readonly Datatype[] = ['auto-detect', 'auto', 'utf8', 'buffer', 'json', 'base64'];

export function isDatatype(v: unknown): v is Datatype {
  return typeof v === 'string' && (DATATYPES as readonly string[]).includes(v);
}

/** What a media type says the bytes are. */
export type MediaKind = 'json' | 'text' | 'binary' | 'unknown';

const TEXT_APPLICATION = new Set([
  'application/xml', 'application/javascript', 'application/ecmascript', 'application/x-www-form-urlencoded',
  'application/csv', 'application/yaml', 'application/x-yaml', 'application/sql', 'application/graphql',
]);
const BINARY_PREFIXES = ['image/', 'audio/', 'video/', 'font/'];
const BINARY_APPLICATION = new Set([
  'application/octet-stream', 'application/pdf', 'application/zip', 'application/gzip', 'application/x-gzip',
  'application/x-tar', 'application/x-gtar', 'application/cbor', 'application/msgpack', 'application/x-msgpack',
  'application/protobuf', 'application/x-protobuf', 'application/vnd.google.protobuf',
]);

/**
 * Classifies a MIME type (RFC 6838 syntax, parameters ignored): JSON and `+json` suffixes are JSON, text/*,
 * XML and common textual application types are text, media and archive types are binary. Anything else is
 * unknown and left to sniffing.
 */
export function mediaKind(contentType: string): MediaKind {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type.startsWith('text/') || type.endsWith('+xml') || TEXT_APPLICATION.has(type)) return 'text';
  if (BINARY_APPLICATION.has(type) || BINARY_PREFIXES.some((p) => type.startsWith(p))) return 'binary';
  return 'unknown';
}

export interface PayloadHints {
  contentType?: string | undefined;
  payloadFormatIndicator?: boolean | undefined;
}

/** Why incoming bytes could not be given the requested type. */
export class PayloadTypeError extends Error {
  readonly reason: 'invalid-json' | 'not-utf8';
  constructor(reason: 'invalid-json' | 'not-utf8', detail: string) {
    super(detail);
    this.name = 'PayloadTypeError';
    this.reason = reason;
  }
}

function parseJson(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw new PayloadTypeError('not-utf8', 'payload is not UTF-8 text, so it cannot be JSON');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new PayloadTypeError('invalid-json', (err as Error).message);
  }
}

/**
 * Text, or the parsed value when the text is JSON (auto-detect's rule for text of unknown meaning). Like
 * core, any JSON value counts, so "42" arrives as the number 42.
 */
// A JSON text starts, after optional white space, with one of these characters. Checking first keeps
// plain text (the common case) away from JSON.parse's throw-and-catch, which is costly per message.
const JSON_START = /^[\s]*[{["\-0-9tfn]/;

function textOrJson(text: string, parse: boolean): unknown {
  if (!parse || !JSON_START.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Auto modes: content type first (v5), then the payload format indicator, then UTF-8 sniffing. */
function autoPayload(bytes: Buffer, hints: PayloadHints, parse: boolean): unknown {
  const kind = hints.contentType ? mediaKind(hints.contentType) : 'unknown';
  if (kind === 'binary') return bytes;
  if (kind === 'json') {
    // The sender declared JSON: bytes that do not parse are an error, not a silent string.
    const value = parseJson(bytes);
    return parse ? value : bytes.toString('utf8');
  }
  if (kind === 'text') return bytes.toString('utf8');
  if (hints.payloadFormatIndicator === true || isUtf8(bytes)) return textOrJson(bytes.toString('utf8'), parse);
  return bytes;
}

/** Incoming payload as the node's output type asks. Throws PayloadTypeError for `json` that is not JSON. */
export function convertPayload(bytes: Buffer, datatype: Datatype, hints: PayloadHints = {}): unknown {
  switch (datatype) {
    case 'buffer':
      return bytes;
    case 'base64':
      return bytes.toString('base64');
    case 'utf8':
      return bytes.toString('utf8');
    case 'json':
      return parseJson(bytes);
    case 'auto':
      return autoPayload(bytes, hints, false);
    case 'auto-detect':
      return autoPayload(bytes, hints, true);
  }
}
