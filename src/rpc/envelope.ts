// The JSON envelope: request/response for MQTT 3.1/3.1.1, which has no Response Topic or Correlation Data
// properties. Both ends must use it (docs/rpc.md §3). UTF-8 payloads travel as JSON strings; anything else
// as base64 with "payloadEncoding": "base64". Correlation data is always base64.
//
//   request: { "responseTopic": "...", "correlationData": "<base64>", "payload": "...",
//              ["payloadEncoding": "base64"], ["contentType": "..."], ["userProperties": { "k": "v" | ["v1","v2"] }] }
//   reply:   { "correlationData": "<base64>", "payload": "...", [same optional fields],
//              ["error": { "message": "...", ["code": "..."] }] }
import { isUtf8, pairsToObject, type UserProperties } from '../codec';
import { topicNameProblem } from '../topic/validate';
import type { RemoteError, RpcMessageMeta } from './types';

export interface EnvelopeBody extends RpcMessageMeta {
  payload: Buffer;
  correlationData: Buffer;
}

export interface RequestEnvelope extends EnvelopeBody {
  responseTopic: string;
}

export interface ReplyEnvelope extends EnvelopeBody {
  error?: RemoteError | undefined;
}

type Json = Record<string, unknown>;

function bodyJson(body: EnvelopeBody): Json {
  const out: Json = {};
  out.correlationData = body.correlationData.toString('base64');
  if (isUtf8(body.payload)) {
    out.payload = body.payload.toString('utf8');
  } else {
    out.payload = body.payload.toString('base64');
    out.payloadEncoding = 'base64';
  }
  if (body.contentType) out.contentType = body.contentType;
  if (body.userProperties?.length) out.userProperties = pairsToObject(body.userProperties);
  return out;
}

export function encodeRequestEnvelope(env: RequestEnvelope): Buffer {
  return Buffer.from(JSON.stringify({ responseTopic: env.responseTopic, ...bodyJson(env) }), 'utf8');
}

export function encodeReplyEnvelope(env: ReplyEnvelope): Buffer {
  const json = bodyJson(env);
  if (env.error) json.error = env.error.code === undefined ? { message: env.error.message } : { message: env.error.message, code: env.error.code };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/** The request in `payload`, or undefined when the payload is not a request envelope. */
export function decodeRequestEnvelope(payload: Buffer): RequestEnvelope | undefined {
  const json = parseObject(payload);
  if (!json || typeof json.responseTopic !== 'string' || topicNameProblem(json.responseTopic)) return undefined;
  const body = readBody(json);
  return body && { responseTopic: json.responseTopic, ...body };
}

/** The reply in `payload`, or undefined when the payload is not a reply envelope. */
export function decodeReplyEnvelope(payload: Buffer): ReplyEnvelope | undefined {
  const json = parseObject(payload);
  if (!json) return undefined;
  const body = readBody(json);
  if (!body) return undefined;
  if (json.error === undefined) return body;
  const error = readError(json.error);
  return error ? { ...body, error } : undefined;
}

function parseObject(payload: Buffer): Json | undefined {
  // Cheap test first: an envelope is a JSON object, so it starts with '{' (after optional whitespace).
  let i = 0;
  while (i < payload.length && (payload[i] === 0x20 || payload[i] === 0x0a || payload[i] === 0x0d || payload[i] === 0x09)) i++;
  if (payload[i] !== 0x7b) return undefined;
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function readBody(json: Json): EnvelopeBody | undefined {
  if (typeof json.correlationData !== 'string' || !BASE64.test(json.correlationData)) return undefined;
  if (typeof json.payload !== 'string') return undefined;
  const encoding = json.payloadEncoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'base64') return undefined;
  if (encoding === 'base64' && !BASE64.test(json.payload)) return undefined;
  const body: EnvelopeBody = {
    correlationData: Buffer.from(json.correlationData, 'base64'),
    payload: Buffer.from(json.payload, encoding),
  };
  if (json.contentType !== undefined) {
    if (typeof json.contentType !== 'string') return undefined;
    body.contentType = json.contentType;
  }
  if (json.userProperties !== undefined) {
    const pairs = jsonToPairs(json.userProperties);
    if (!pairs) return undefined;
    body.userProperties = pairs;
  }
  return body;
}

function readError(value: unknown): RemoteError | undefined {
  if (typeof value === 'string') return { message: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Json;
  if (typeof e.message !== 'string') return undefined;
  return typeof e.code === 'string' ? { message: e.message, code: e.code } : { message: e.message };
}

function jsonToPairs(value: unknown): UserProperties | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const pairs: UserProperties = [];
  for (const [name, v] of Object.entries(value)) {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      if (typeof one !== 'string') return undefined;
      pairs.push([name, one]);
    }
  }
  return pairs;
}
