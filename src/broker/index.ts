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
export { TlsListener, certificateIdentityOf, type ClientCertificates, type TlsListenerOptions, type TlsSettings } from './tls-listener';
export {
  WebSocketListener, WebSocketPathListener, MQTT_SUBPROTOCOLS, type WebSocketListenerOptions, type WebSocketPathOptions,
} from './ws-listener';
export { ListenError } from './server-socket';
export { Acl, AclSyntaxError, type Access, type AclSubject, type SubscribeDecision } from './acl';
export { hashPassword, verifyPassword, isPasswordHash, PasswordHashError, DEFAULT_COST, type ScryptCost } from './passwords';
export { LoginGuard, hostOf, type LoginGuardOptions, type LoginCheck } from './login-guard';
export {
  BrokerSecurity, type AnonymousPolicy, type AuthFailure, type AuthFailureReason, type BrokerUser, type SecurityOptions,
} from './security';
export { FilePersistence, LOG_FILE, type FilePersistenceOptions } from './file-persistence';
export { SysTopics, type SysTopicsOptions } from './sys-topics';
