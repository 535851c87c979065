// Wire conventions the two engines agree on besides the MQTT 5 properties: how an error reply is marked
// (MQTT 5), and where a requester listens for replies by default. docs/rpc.md describes both for other
// implementations (mosquitto_rr, paho, ...).
import type { UserProperties } from '../codec/types';
import type { ServerInfo } from '../client/types';
import { topicNameProblem } from '../topic/validate';
import type { RemoteError } from './types';

/** MQTT 5 user property that marks a reply as an error reply; its value is the error message. */
export const ERROR_PROPERTY = 'mqtt-kit-error';
/** Optional MQTT 5 user property with a machine-readable error code. */
export const ERROR_CODE_PROPERTY = 'mqtt-kit-error-code';
/** Content type of error reply payloads: `{"error":{"message":"...","code":"..."}}`. */
export const ERROR_CONTENT_TYPE = 'application/json';

/** Prefix of default response topics when the broker offers no Response Information. */
export const DEFAULT_REPLY_PREFIX = 'mqtt-kit/reply/';

/** The payload of an error reply: readable as is by tools that print payloads (mosquitto_rr, mosquitto_sub). */
export function errorPayload(error: RemoteError): Buffer {
  const body = error.code === undefined ? { message: error.message } : { message: error.message, code: error.code };
  return Buffer.from(JSON.stringify({ error: body }), 'utf8');
}

/** The user properties that mark an error reply, before any the caller adds. */
export function errorProperties(error: RemoteError): UserProperties {
  const pairs: UserProperties = [[ERROR_PROPERTY, error.message]];
  if (error.code !== undefined) pairs.push([ERROR_CODE_PROPERTY, error.code]);
  return pairs;
}

/** The responder's error when `userProperties` mark an error reply (MQTT 5). */
export function remoteErrorOf(userProperties: UserProperties | undefined): RemoteError | undefined {
  if (!userProperties) return undefined;
  let message: string | undefined;
  let code: string | undefined;
  for (const [name, value] of userProperties) {
    if (name === ERROR_PROPERTY && message === undefined) message = value;
    else if (name === ERROR_CODE_PROPERTY && code === undefined) code = value;
  }
  if (message === undefined) return undefined;
  return code === undefined ? { message } : { message, code };
}

/** True when `level` can be one topic level: non-empty, no separator, wildcard or U+0000, not too long. */
export function isPlainLevel(level: string | undefined): level is string {
  return !!level && level.length <= 128 && !/[/+#\u0000]/.test(level);
}

/**
 * The response topic a requester uses unless one is configured: under the broker's MQTT 5 Response
 * Information when it sent one (`<responseInformation><id>`, a '/' added if needed), otherwise
 * `mqtt-kit/reply/<client id>/<id>` (the client id makes per-client ACL patterns such as Mosquitto's
 * `%c` easy; it is left out when it cannot be a topic level).
 */
export function defaultResponseTopic(server: ServerInfo | undefined, requesterId: string): string {
  const info = server?.properties.responseInformation;
  if (info) {
    const topic = `${info}${info.endsWith('/') ? '' : '/'}${requesterId}`;
    if (!topicNameProblem(topic)) return topic;
  }
  const clientId = server?.clientId;
  return isPlainLevel(clientId) ? `${DEFAULT_REPLY_PREFIX}${clientId}/${requesterId}` : `${DEFAULT_REPLY_PREFIX}${requesterId}`;
}
