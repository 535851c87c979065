// The embedded MQTT broker: see docs/broker.md.
export { Broker, type BrokerEvents, type BrokerSetup } from './broker';
export type { BrokerStats } from './core';
export type { CloseReason, CloseOrigin, ConnectionMeta } from './connection';
export type {
  Awaitable, AuthStep, AuthStepVerdict, BrokerHooks, ClientInfo, ConnectVerdict, Credentials, DeliveryTarget, Diagnostics, PublishVerdict,
  Refusal, SubscribeVerdict, SubscriptionRequest,
} from './hooks';
export { TcpListener, type Accept, type Listener, type TcpListenerOptions } from './listeners';
export type { BrokerMessage, PublishInput } from './message';
export type { BrokerOptions } from './options';
export type { BrokerPersistence, RestoredState, SessionSnapshot, StoredOutbound } from './persistence';
export type { SubscriptionRecord } from './router';
export type { OutboundEntry } from './session';
