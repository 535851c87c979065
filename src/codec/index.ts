// Public surface of the codec. Later layers (session, client, broker) and the benchmarks import from here
// only. docs/codec.md describes the API, the framing and the list of checks.
export * from './types';
export {
  MqttError, MalformedPacketError, ProtocolError, PacketTooLargeError, UnsupportedProtocolVersionError,
} from './errors';
export { encode, encodeChunks, encodedSize, LARGE_PAYLOAD } from './encode';
export { fitToMaximumPacketSize } from './fit';
export { decode, decodeConnect, frameType } from './decode';
export { Framer, MAX_PACKET_SIZE, type FramerOptions } from './framer';
export { PreparedPublish, type Delivery } from './prepared-publish';
export {
  PROPERTIES, type PropertyContext, type PropertyDef, type PropertyKind, type PropertyKeysIn,
} from './property-table';
export { propertyById } from './properties';
export {
  REASON_CODES, ReasonCode, ConnectReturnCode, isValidReasonCode, reasonCodeName, connectReturnCodeFor,
  type ReasonCodeDef, type ReasonCodePacket,
} from './reason-codes';
export { MAX_VARINT } from './varint';
export { isUtf8 } from './utf8';
export { pairsToObject, type UserPropertiesObject } from './user-properties';
