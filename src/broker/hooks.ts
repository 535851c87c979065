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
  readonly username: string | undefined;
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
}

/** A refusal with a v5 reason code (mapped to the closest 3.1.1 return code for older clients). */
export interface Refusal {
  reasonCode: number;
  reasonString?: string;
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
  | { status: 'fail'; reasonCode?: number; reasonString?: string };

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
}

/** v5 reason code -> MQTT 3.1.1 CONNACK return code. */
export function connackReturnCode(reasonCode: number): number {
  switch (reasonCode) {
    case 0: return 0;
    case 0x84: return 1;                       // unsupported protocol version
    case 0x85: return 2;                       // client identifier not valid
    case 0x86: return 4;                       // bad user name or password
    case 0x87: case 0x8a: case 0x8c: return 5; // not authorized / banned / bad auth method
    default: return 3;                         // server unavailable (busy, quota, shutting down, ...)
  }
}
