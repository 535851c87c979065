// Errors our nodes hand to Node-RED (`done(err)`, `node.error(err, msg)`). Each has a stable `code` that
// Node-RED copies to `msg.error.code` for a Catch node, and a message taken from the message catalog so
// the text a user reads is translated and names what to fix.

/** Node-RED's translator as our pure functions receive it: catalog key + substitutions -> text. */
export type Translate = (key: string, subs?: Record<string, unknown>) => string;

/** Stable codes in `msg.error.code` (documented in docs/nodes.md); the catalog key is derived from them. */
export const ERROR_CODES = [
  'MISSING_PAYLOAD', 'MISSING_TOPIC', 'INVALID_TOPIC', 'INVALID_QOS', 'INVALID_PROPERTY', 'INVALID_ACTION',
  'INVALID_SUBSCRIPTION', 'INVALID_BROKER', 'INVALID_JSON', 'NOT_UTF8', 'QUEUE_FULL', 'OFFLINE_DROPPED',
  'PUBLISH_REFUSED', 'EXPIRED', 'QOS_NOT_SUPPORTED', 'RETAIN_NOT_SUPPORTED', 'SUBSCRIBE_REFUSED',
  'PACKET_TOO_LARGE', 'ALREADY_CONNECTED', 'NO_BROKER', 'CLOSED', 'INTERRUPTED', 'STORE_FAILED', 'FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Catalog key of an error code: MISSING_PAYLOAD -> mqtt-kit.errors.missing-payload. */
export function errorKey(code: ErrorCode): string {
  return `mqtt-kit.errors.${code.toLowerCase().replace(/_/g, '-')}`;
}

/** An error our node reports; `code` is an own property so Node-RED copies it into msg.error.code. */
export class MqttKitError extends Error {
  readonly code: ErrorCode;
  /** MQTT reason code when a server refused something (PUBACK, SUBACK, CONNACK). */
  readonly reasonCode: number | undefined;

  constructor(code: ErrorCode, message: string, extra: { reasonCode?: number; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'MqttKitError';
    this.code = code;
    this.reasonCode = extra.reasonCode;
  }
}

/** Builds an MqttKitError whose text comes from the catalog entry of its code. */
export function kitError(t: Translate, code: ErrorCode, subs: Record<string, unknown> = {}, extra: { reasonCode?: number; cause?: unknown } = {}): MqttKitError {
  return new MqttKitError(code, t(errorKey(code), subs), extra);
}
