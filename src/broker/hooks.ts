// Host hooks: asynchronous verdicts with safe defaults (everything allowed when a hook is absent). A hook
// may answer synchronously; the broker awaits only when it gets a Promise back, so absent or synchronous
// hooks keep the hot path free of promise ticks.

import type { ProtocolVersion, QoS, RetainHandling, UserProperties } from '../codec/types';
import type { BrokerMessage } from './message';

export type Awaitable<T> = T | Promise<T>;

/** What hooks and events know about a connected client. */
export interface ClientInfo {
  readonly clientId: string;
  readonly version: ProtocolVersion;
  /** The CONNECT User Name, or the transport's identity when it has one (see `identity`). */
  readonly username: string | undefined;
  /** Set when the listener proved who the client is (verified TLS client certificate CN used as user name). */
  readonly identity?: string;
  /** e.g. "127.0.0.1:51234", or "memory" for in-process connections. */
  readonly remoteAddress: string;
  /** Name of the listener the connection came through ("tcp", "memory", ...). */
  readonly listener: string;
}

export interface Credentials {
  username: string | undefined;
  password: Buffer | undefined;
  /** CONNECT User Properties (v5). */
  userProperties: UserProperties | undefined;
  /** Clean Start (v5) / Clean Session (3.1.1): an existing session of this client id is discarded. */
  cleanStart: boolean;
}

/** Reason String and User Properties a v5 refusal may carry (left out when the client cannot take them). */
export interface Diagnostics {
  reasonString?: string;
  userProperties?: UserProperties;
}

/** A refusal with a v5 reason code (mapped to the closest 3.1.1 return code for older clients). */
export interface Refusal extends Diagnostics {
  reasonCode: number;
}

/** true accepts; false refuses with 0x87 Not authorized (3.1.1: 5); a Refusal picks the code. */
export type ConnectVerdict = boolean | Refusal;

/** true allows; false refuses with 0x87 (v5 PUBACK/PUBREC; the message is dropped, 3.1.1 acks normally). */
export type PublishVerdict = boolean | Refusal;

/** The granted maximum QoS (may be lower than requested), or false to refuse (0x87 / 0x80). */
export type SubscribeVerdict = QoS | false;

export interface SubscriptionRequest {
  /** As subscribed, including any `$share/{group}/` prefix. */
  topicFilter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: RetainHandling;
}

/** One step of v5 enhanced authentication (AUTH exchange). */
export interface AuthStep {
  method: string;
  data: Buffer | undefined;
  /** True for a re-authentication started by the client after CONNACK. */
  reauthenticate: boolean;
}

export type AuthStepVerdict =
  | { status: 'success'; data?: Buffer }
  | { status: 'continue'; data?: Buffer }
  | ({ status: 'fail'; reasonCode?: number } & Diagnostics);

export interface BrokerHooks {
  /** Called for every CONNECT (after enhanced authentication, when used). */
  authenticate?(client: ClientInfo, credentials: Credentials): Awaitable<ConnectVerdict>;
  /** v5 enhanced authentication for the methods listed in options.authMethods. */
  authenticateEnhanced?(client: ClientInfo, step: AuthStep): Awaitable<AuthStepVerdict>;
  /** Called for every PUBLISH from a client and every Will before it is published. */
  authorizePublish?(client: ClientInfo, message: BrokerMessage): Awaitable<PublishVerdict>;
  /** Called for every topic filter of a SUBSCRIBE; may downgrade the QoS or refuse. */
  authorizeSubscribe?(client: ClientInfo, subscription: SubscriptionRequest): Awaitable<SubscribeVerdict>;
  /** Called after a message was routed (client publishes, wills and Broker.publish). */
  published?(message: BrokerMessage, client: ClientInfo | null): void;
  /**
   * Synchronous, on the delivery path: false drops this copy for this session (e.g. an ACL that granted a
   * wide subscription and filters what it may read). Also asked for retained messages sent on subscribe.
   */
  authorizeDelivery?(session: DeliveryTarget, message: BrokerMessage): boolean;
}

/** The receiving session as authorizeDelivery sees it (it may be offline). */
export interface DeliveryTarget {
  readonly clientId: string;
  /** User name of the client that last connected with the session. */
  readonly username: string | undefined;
}

/** The properties object for a refusal's diagnostics, or undefined when it has none. */
export function diagnosticProperties(d: Diagnostics | undefined): Diagnostics | undefined {
  if (!d || (d.reasonString === undefined && d.userProperties === undefined)) return undefined;
  const out: Diagnostics = {};
  if (d.reasonString !== undefined) out.reasonString = d.reasonString;
  if (d.userProperties !== undefined) out.userProperties = d.userProperties;
  return out;
}
