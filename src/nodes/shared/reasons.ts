// Why something failed, in words a user can act on: MQTT reason codes (CONNACK, DISCONNECT, PUBACK,
// SUBACK), 3.1.1 connect return codes and transport failures (DNS, refused, TLS certificate problems) are
// mapped to catalog keys under mqtt-kit.reason. Used for status text (core shows only "disconnected",
// P6/P19), log lines and the errors handed to done(err).
//
// The errors come from the client layer; they are read by their documented fields (name, reasonCode,
// kind, code) so this table does not depend on class identity across bundles.
import { kitError, MqttKitError, type ErrorCode, type Translate } from './errors';

export interface Reason {
  key: string;
  subs?: Record<string, unknown>;
}

/** v5 reason codes >= 0x80 that have their own text (the rest say "error 0x..").  */
export const REASON_CODES: ReadonlySet<number> = new Set([
  0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91,
  0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);

/** TLS/OpenSSL error codes users meet, grouped by what to do about them. */
const TLS_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'tls-expired',
  CERT_NOT_YET_VALID: 'tls-not-yet-valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-hostname',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls-not-tls',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'tls-client-cert',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'tls-client-cert',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'tls-client-cert',
};

const TRANSPORT_KINDS = new Set(['dns', 'refused', 'timeout', 'tls', 'websocket', 'reset', 'unreachable', 'closed']);

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** A reason code from a CONNACK, DISCONNECT or ack. Codes 1-5 in a CONNACK are 3.1.1 return codes. */
export function reasonForCode(code: number, options: { connack?: boolean } = {}): Reason {
  if (options.connack && code >= 1 && code <= 5) return { key: `mqtt-kit.reason.v3-${code}` };
  if (REASON_CODES.has(code)) return { key: `mqtt-kit.reason.${hex(code)}` };
  return { key: 'mqtt-kit.reason.code', subs: { code: hex(code) } };
}

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; kind?: unknown; reasonCode?: unknown };

function transportReason(e: ErrorLike): Reason {
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.kind === 'tls' || code in TLS_CODES) {
    const key = TLS_CODES[code];
    return key ? { key: `mqtt-kit.reason.${key}` } : { key: 'mqtt-kit.reason.tls', subs: { detail: code || String(e.message ?? '') } };
  }
  if (typeof e.kind === 'string' && TRANSPORT_KINDS.has(e.kind)) return { key: `mqtt-kit.reason.${e.kind}` };
  return { key: 'mqtt-kit.reason.other', subs: { detail: String(e.message ?? e) } };
}

/** The reason behind a client-layer error (refused CONNECT, lost transport, server DISCONNECT, ...). */
export function reasonOf(err: unknown): Reason {
  if (!err || typeof err !== 'object') return { key: 'mqtt-kit.reason.other', subs: { detail: String(err) } };
  const e = err as ErrorLike;
  // The client's ConnectionRefusedError may carry a 3.1.1 return code; the session's ConnectRefusedError
  // always carries the v5 reason code of the same meaning.
  if (e.name === 'ConnectionRefusedError' && typeof e.reasonCode === 'number') return reasonForCode(e.reasonCode, { connack: true });
  if (e.name === 'ConnectRefusedError' && typeof e.reasonCode === 'number') return reasonForCode(e.reasonCode);
  if (e.name === 'StoreWriteError') return { key: 'mqtt-kit.reason.store', subs: { detail: storeCause(e) } };
  if (e.name === 'TransportError' || (typeof e.code === 'string' && (e.code in TLS_CODES || /^E[A-Z]+$/.test(e.code)))) {
    return transportReason(errnoAsKind(e));
  }
  if (typeof e.reasonCode === 'number' && e.reasonCode >= 0x80) return reasonForCode(e.reasonCode);
  return { key: 'mqtt-kit.reason.other', subs: { detail: String(e.message ?? err) } };
}

/** Plain Node.js socket errors (no kind) get the kind the client layer would give them. */
function errnoAsKind(e: ErrorLike): ErrorLike {
  if (typeof e.kind === 'string') return e;
  const byErrno: Record<string, string> = {
    ENOTFOUND: 'dns', EAI_AGAIN: 'dns', ECONNREFUSED: 'refused', ETIMEDOUT: 'timeout', ECONNRESET: 'reset',
    EPIPE: 'reset', EHOSTUNREACH: 'unreachable', ENETUNREACH: 'unreachable',
  };
  const kind = typeof e.code === 'string' ? byErrno[e.code] : undefined;
  return kind ? { ...e, kind, message: e.message } : e;
}

/** What the store said, without the "could not store message: " the catalog text says itself. */
function storeCause(e: ErrorLike & { cause?: unknown }): string {
  const cause = e.cause as { message?: unknown } | undefined;
  return String(cause?.message ?? cause ?? e.message ?? '');
}

export function reasonText(reason: Reason, t: Translate): string {
  return t(reason.key, reason.subs);
}

/** Client-layer error names -> our error codes for done(err). */
const CODE_BY_NAME: Readonly<Record<string, ErrorCode>> = {
  QueueFullError: 'QUEUE_FULL',
  PacketTooLargeError: 'PACKET_TOO_LARGE',
  ClientClosedError: 'CLOSED',
  SessionClosedError: 'INTERRUPTED',
  InvalidOptionsError: 'INVALID_BROKER',
  TopicError: 'INVALID_TOPIC',
  AlreadyConnectedError: 'ALREADY_CONNECTED',
  MessageExpiredError: 'EXPIRED',
  QosNotSupportedError: 'QOS_NOT_SUPPORTED',
  RetainNotSupportedError: 'RETAIN_NOT_SUPPORTED',
  StoreWriteError: 'STORE_FAILED',
};

/**
 * Any failure of a publish/subscribe/connect call -> an MqttKitError with a stable code and catalog text.
 * A server refusal (v5 PUBACK/PUBREC/SUBACK reason code >= 0x80) becomes PUBLISH_REFUSED (or the
 * `refused` code given) naming the reason; errors that already are MqttKitErrors pass through.
 */
export function toKitError(err: unknown, t: Translate, refused: ErrorCode = 'PUBLISH_REFUSED'): MqttKitError {
  if (err instanceof MqttKitError) return err;
  const e = (err ?? {}) as ErrorLike;
  const detail = String(e.message ?? err);
  const name = typeof e.name === 'string' ? e.name : '';
  const code = CODE_BY_NAME[name];
  if (code) return kitError(t, code, { detail }, { cause: err });
  if (typeof e.reasonCode === 'number' && e.reasonCode >= 0x80) {
    const reason = reasonText(reasonForCode(e.reasonCode), t);
    return kitError(t, refused, { reason, code: hex(e.reasonCode), detail }, { reasonCode: e.reasonCode, cause: err });
  }
  return kitError(t, 'FAILED', { detail }, { cause: err });
}
