// MQTT 5 user properties as an object. On the wire (and in every layer that speaks MQTT) they are ordered
// name/value pairs whose names may repeat; a Node-RED msg and the rpc JSON envelope hold them as a plain
// object, the shape core's nodes use, where a repeated name becomes an array of its values in wire order.
import type { UserProperties } from './types';

export type UserPropertiesObject = Record<string, string | string[]>;

/** Wire pairs -> object. A name seen twice becomes an array, so no value is lost. */
export function pairsToObject(pairs: UserProperties): UserPropertiesObject {
  const out: UserPropertiesObject = {};
  for (const [name, value] of pairs) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  return out;
}
