// MQTT 5 reason codes (MQTT 5.0 §2.4, Table 2-6) with the packets each may appear in, the 3.1/3.1.1
// CONNACK return codes, and names for logs and node status text. One code can have several names
// (0x00 is "Success", "Normal disconnection" or "Granted QoS 0" depending on the packet).
import type { PacketType, ProtocolVersion } from './types';

/** Packets that carry reason codes. */
export type ReasonCodePacket = Extract<
  PacketType,
  'connack' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'suback' | 'unsuback' | 'disconnect' | 'auth'
>;

export interface ReasonCodeDef {
  readonly code: number;
  readonly name: string;
  readonly packets: readonly ReasonCodePacket[];
}

const PUB = ['puback', 'pubrec'] as const;
const REL = ['pubrel', 'pubcomp'] as const;
const CD = ['connack', 'disconnect'] as const;
const ERR = ['connack', ...PUB, 'suback', 'unsuback', 'disconnect'] as const;

export const REASON_CODES: readonly ReasonCodeDef[] = [
  { code: 0x00, name: 'Success', packets: ['connack', ...PUB, ...REL, 'unsuback', 'auth'] },
  { code: 0x00, name: 'Normal disconnection', packets: ['disconnect'] },
  { code: 0x00, name: 'Granted QoS 0', packets: ['suback'] },
  { code: 0x01, name: 'Granted QoS 1', packets: ['suback'] },
  { code: 0x02, name: 'Granted QoS 2', packets: ['suback'] },
  { code: 0x04, name: 'Disconnect with Will Message', packets: ['disconnect'] },
  { code: 0x10, name: 'No matching subscribers', packets: PUB },
  { code: 0x11, name: 'No subscription existed', packets: ['unsuback'] },
  { code: 0x18, name: 'Continue authentication', packets: ['auth'] },
  { code: 0x19, name: 'Re-authenticate', packets: ['auth'] },
  { code: 0x80, name: 'Unspecified error', packets: ERR },
  { code: 0x81, name: 'Malformed Packet', packets: CD },
  { code: 0x82, name: 'Protocol Error', packets: CD },
  { code: 0x83, name: 'Implementation specific error', packets: ERR },
  { code: 0x84, name: 'Unsupported Protocol Version', packets: ['connack'] },
  { code: 0x85, name: 'Client Identifier not valid', packets: ['connack'] },
  { code: 0x86, name: 'Bad User Name or Password', packets: ['connack'] },
  { code: 0x87, name: 'Not authorized', packets: ERR },
  { code: 0x88, name: 'Server unavailable', packets: ['connack'] },
  { code: 0x89, name: 'Server busy', packets: CD },
  { code: 0x8a, name: 'Banned', packets: ['connack'] },
  { code: 0x8b, name: 'Server shutting down', packets: ['disconnect'] },
  { code: 0x8c, name: 'Bad authentication method', packets: CD },
  { code: 0x8d, name: 'Keep Alive timeout', packets: ['disconnect'] },
  { code: 0x8e, name: 'Session taken over', packets: ['disconnect'] },
  { code: 0x8f, name: 'Topic Filter invalid', packets: ['suback', 'unsuback', 'disconnect'] },
  { code: 0x90, name: 'Topic Name invalid', packets: ['connack', ...PUB, 'disconnect'] },
  { code: 0x91, name: 'Packet Identifier in use', packets: [...PUB, 'suback', 'unsuback'] },
  { code: 0x92, name: 'Packet Identifier not found', packets: REL },
  { code: 0x93, name: 'Receive Maximum exceeded', packets: ['disconnect'] },
  { code: 0x94, name: 'Topic Alias invalid', packets: ['disconnect'] },
  { code: 0x95, name: 'Packet too large', packets: CD },
  { code: 0x96, name: 'Message rate too high', packets: ['disconnect'] },
  { code: 0x97, name: 'Quota exceeded', packets: ['connack', ...PUB, 'suback', 'disconnect'] },
  { code: 0x98, name: 'Administrative action', packets: ['disconnect'] },
  { code: 0x99, name: 'Payload format invalid', packets: ['connack', ...PUB, 'disconnect'] },
  { code: 0x9a, name: 'Retain not supported', packets: CD },
  { code: 0x9b, name: 'QoS not supported', packets: CD },
  { code: 0x9c, name: 'Use another server', packets: CD },
  { code: 0x9d, name: 'Server moved', packets: CD },
  { code: 0x9e, name: 'Shared Subscriptions not supported', packets: ['suback', 'disconnect'] },
  { code: 0x9f, name: 'Connection rate exceeded', packets: CD },
  { code: 0xa0, name: 'Maximum connect time', packets: ['disconnect'] },
  { code: 0xa1, name: 'Subscription Identifiers not supported', packets: ['suback', 'disconnect'] },
  { code: 0xa2, name: 'Wildcard Subscriptions not supported', packets: ['suback', 'disconnect'] },
];

/** Named constants for the codes other layers send. */
export const ReasonCode = {
  Success: 0x00, NormalDisconnection: 0x00, GrantedQoS0: 0x00, GrantedQoS1: 0x01, GrantedQoS2: 0x02,
  DisconnectWithWillMessage: 0x04, NoMatchingSubscribers: 0x10, NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18, ReAuthenticate: 0x19, UnspecifiedError: 0x80, MalformedPacket: 0x81,
  ProtocolError: 0x82, ImplementationSpecificError: 0x83, UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85, BadUserNameOrPassword: 0x86, NotAuthorized: 0x87, ServerUnavailable: 0x88,
  ServerBusy: 0x89, Banned: 0x8a, ServerShuttingDown: 0x8b, BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d, SessionTakenOver: 0x8e, TopicFilterInvalid: 0x8f, TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91, PacketIdentifierNotFound: 0x92, ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94, PacketTooLarge: 0x95, MessageRateTooHigh: 0x96, QuotaExceeded: 0x97,
  AdministrativeAction: 0x98, PayloadFormatInvalid: 0x99, RetainNotSupported: 0x9a, QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c, ServerMoved: 0x9d, SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f, MaximumConnectTime: 0xa0, SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** CONNACK return codes of MQTT 3.1 and 3.1.1 (§3.2.2.3). */
export const ConnectReturnCode = {
  Accepted: 0, UnacceptableProtocolVersion: 1, IdentifierRejected: 2, ServerUnavailable: 3,
  BadUserNameOrPassword: 4, NotAuthorized: 5,
} as const;

const RETURN_CODE_NAMES = [
  'Connection accepted', 'Unacceptable protocol version', 'Identifier rejected', 'Server unavailable',
  'Bad user name or password', 'Not authorized',
];

const VALID = new Map<ReasonCodePacket, Set<number>>();
for (const def of REASON_CODES) {
  for (const p of def.packets) {
    let set = VALID.get(p);
    if (!set) VALID.set(p, (set = new Set()));
    set.add(def.code);
  }
}

/** Is `code` a reason code `packet` may carry (MQTT 5)? */
export function isValidReasonCode(packet: ReasonCodePacket, code: number): boolean {
  return VALID.get(packet)!.has(code);
}

/**
 * Human-readable name of a reason code, e.g. reasonCodeName(0x87) === 'Not authorized'. With a packet
 * type the name is the one that packet uses; with version 3 or 4 and 'connack', `code` is a return code;
 * with version 3 or 4 and 'suback', 0x80 is 'Failure'. Unknown codes read "Reason code 0x..".
 */
export function reasonCodeName(code: number, packet?: ReasonCodePacket, version: ProtocolVersion = 5): string {
  if (version !== 5 && packet === 'connack') return RETURN_CODE_NAMES[code] ?? `Return code ${code}`;
  if (version !== 5 && packet === 'suback' && code === 0x80) return 'Failure';
  const hit = REASON_CODES.find((d) => d.code === code && (packet === undefined || d.packets.includes(packet)));
  return hit?.name ?? `Reason code 0x${code.toString(16).padStart(2, '0')}`;
}

/** The 3.1.1 CONNACK return code closest to an MQTT 5 CONNACK reason code (for brokers serving both). */
export function connectReturnCodeFor(reasonCode: number): number {
  switch (reasonCode) {
    case 0x00: return ConnectReturnCode.Accepted;
    case 0x84: return ConnectReturnCode.UnacceptableProtocolVersion;
    case 0x85: return ConnectReturnCode.IdentifierRejected;
    case 0x86: case 0x8c: return ConnectReturnCode.BadUserNameOrPassword;
    case 0x87: case 0x8a: return ConnectReturnCode.NotAuthorized;
    default: return ConnectReturnCode.ServerUnavailable;
  }
}
