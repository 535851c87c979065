// Public surface of the session layer (docs/session.md). The client driver uses ClientSession and the
// effect types; the broker reuses the primitives below with its own policy.
export { ClientSession, type ClientSessionOptions, type DisconnectRequest, type SessionState } from './client-session';
export type { SubscribeRequest, UnsubscribeRequest } from './client-control';
export type {
  Effect, EffectKind, OutboundMessage, CommandResult, PublishResult, SubscribeResult, UnsubscribeResult, DisconnectResult,
} from './effects';
export {
  QueueFullError, CommandRefusedError, MessageExpiredError, QosNotSupportedError, RetainNotSupportedError,
  SessionClosedError, InvalidCommandError, ConnectRefusedError, PacketTooLargeError, PublishWithdrawnError, StoreWriteError,
} from './errors';
// Primitives shared with the broker.
export { PacketIdAllocator, MAX_PACKET_ID } from './packet-ids';
export { OutboundInflight, type InflightMessage, type AckOutcome } from './outbound';
export { InboundQos2, type Qos2Arrival } from './inbound';
export { SendQuota, DEFAULT_RECEIVE_MAXIMUM } from './flow-control';
export { TopicAliasSender, TopicAliasReceiver, type AliasChoice, type AliasResolution, type TopicAliasReceiverOptions } from './topic-alias';
export { Keepalive, type KeepaliveRole, type KeepaliveVerdict } from './keepalive';
export {
  SESSION_NEVER_EXPIRES, sessionExpiryInterval, intervalAfterDisconnect, sessionExpiresAt, isSessionExpired,
} from './session-expiry';
export { Fifo } from './fifo';
