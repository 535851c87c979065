// Fitting a packet into the receiver's Maximum Packet Size (MQTT 5). The spec lets a sender leave out the
// Reason String, then the User Properties, of acknowledgements, CONNACK, DISCONNECT and AUTH when they
// would make the packet too large [MQTT-3.2.2-19] [MQTT-3.2.2-20] [MQTT-3.4.2-2] [MQTT-3.4.2-3] (and the
// same pair for PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH). Nothing else may be dropped:
// a PUBLISH that is too large is not sent at all [MQTT-3.1.2-25], which is the session's decision.
import { encodedSize } from './encode';
import type { Packet, ProtocolVersion } from './types';

const TRIMMABLE = new Set<Packet['type']>([
  'connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'disconnect', 'auth',
]);

/**
 * Returns `p` if it encodes within `maximumPacketSize` bytes, else a copy without its Reason String, else
 * also without its User Properties, or undefined when even that is too large (or nothing may be dropped).
 * Validates like encodedSize().
 */
export function fitToMaximumPacketSize<P extends Packet>(p: P, version: ProtocolVersion, maximumPacketSize: number): P | undefined {
  if (encodedSize(p, version) <= maximumPacketSize) return p;
  const props = (p as { properties?: Record<string, unknown> }).properties;
  if (!TRIMMABLE.has(p.type) || props === undefined) return undefined;
  const { reasonString: _reason, ...withoutReason } = props;
  const first = { ...p, properties: withoutReason };
  if (encodedSize(first, version) <= maximumPacketSize) return first;
  const { userProperties: _user, ...withoutUser } = withoutReason;
  const second = { ...p, properties: withoutUser };
  return encodedSize(second, version) <= maximumPacketSize ? second : undefined;
}
