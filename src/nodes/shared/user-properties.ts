// MQTT 5 user properties at the msg boundary: wire pairs <-> the msg's plain object (pairsToObject lives
// in the codec, which the rpc envelope shares), and how a node's configured properties merge with a msg's.
import { pairsToObject, type UserProperties, type UserPropertiesObject } from '../../codec';

export { pairsToObject, type UserPropertiesObject };

/** A user property value from a flow as text: strings as they are, anything else as JSON (core #4900). */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value);
}

/**
 * msg/node object -> wire pairs. An array of values becomes one pair per value (the inverse of
 * pairsToObject); null and undefined values are left out.
 */
export function objectToPairs(obj: Record<string, unknown>): UserProperties {
  const pairs: UserProperties = [];
  for (const [name, value] of Object.entries(obj)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) pairs.push([name, valueText(v)]);
    else pairs.push([name, valueText(value)]);
  }
  return pairs;
}

/**
 * Merges the node's configured user properties over the msg's: names from both are kept, and when the
 * same name is set on both the node's value wins (the node is what the flow author fixed in the editor;
 * the msg only adds). This is the documented answer to core #5435 (core drops the msg's entirely).
 */
export function mergeUserProperties(
  fromMsg: Record<string, unknown> | undefined,
  fromNode: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!fromMsg && !fromNode) return undefined;
  return { ...(fromMsg ?? {}), ...(fromNode ?? {}) };
}

/** True for a plain object usable as user properties (not an array, Buffer or null). */
export function isPropertyObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Parses user properties typed in the editor (a JSON object, as in core's `userProps` field). Empty text
 * means none. Throws with a message naming the field on anything else, so a config error shows at deploy.
 */
export function parseUserPropsJson(text: unknown, field: string): Record<string, unknown> | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  if (isPropertyObject(text)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch {
    throw new Error(`${field}: user properties must be a JSON object, got ${JSON.stringify(String(text)).slice(0, 60)}`);
  }
  if (!isPropertyObject(parsed)) throw new Error(`${field}: user properties must be a JSON object`);
  return Object.keys(parsed).length ? parsed : undefined;
}
