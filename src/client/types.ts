// Public types of the client layer: what a connection reports (state, CONNACK facts, warnings) and what
// publish/subscribe resolve with. The pool and the Node-RED nodes are written against these.
import type {
  ConnackProperties,
  PublishPacket,
  PublishProperties,
  QoS,
  SubackPacket,
  SubscribeProperties,
  Subscription,
  UnsubackPacket,
  UserProperties,
} from '../codec/types';
import type { ConnectionOptions } from './options';

/** Connection phases, as the node status table names them. */
export type ConnectionPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

/** Everything a status line needs: phase, why, when the next attempt is, how much waits. */
export interface ConnectionStatus {
  phase: ConnectionPhase;
  /**
   * Why the link is not up: a TransportError (kind: dns/refused/timeout/tls/...), a ConnectionRefusedError
   * (CONNACK reason code), a ServerDisconnectError (v5 DISCONNECT from the server) or a protocol error.
   */
  error?: Error;
  /** Epoch ms of the next connection attempt (phase 'reconnecting'). */
  retryAt?: number;
  /** Ms until that attempt, at the time of the event. */
  retryInMs?: number;
  /**
   * 'kickLoop': another client with the same client id keeps taking the session over (0x8E);
   * 'refused': the server refused in a way retrying soon will not fix; 'backoff': ordinary retry.
   */
  retryReason?: 'backoff' | 'refused' | 'kickLoop';
  /** Outgoing messages not yet completed (queued while offline plus in flight). */
  queued: number;
  /**
   * The session store's last write failure (StoreWriteError, "could not store message: <cause>"), in any
   * phase, until a record is written successfully again. Messages it concerned were failed, not sent.
   */
  storeError?: Error;
}

/** What the server said in its CONNACK, with the limits the client now honours. */
export interface ServerInfo {
  sessionPresent: boolean;
  /** All v5 CONNACK properties as received (empty for 3.1.1). */
  properties: ConnackProperties;
  /** The client id in use (the assigned one when the server assigned it). */
  clientId: string;
  /** Keep alive in use, seconds (the server's Server Keep Alive when it sent one). */
  keepalive: number;
  maximumQoS: QoS;
  retainAvailable: boolean;
  /** Largest packet the server accepts; undefined when unlimited. */
  maximumPacketSize: number | undefined;
  topicAliasMaximum: number;
  receiveMaximum: number;
  subscriptionIdentifiersAvailable: boolean;
  wildcardSubscriptionAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
}

/** A message to publish. */
export interface PublishMessage {
  topic: string;
  payload: Buffer | Uint8Array | string;
  qos?: QoS;
  retain?: boolean;
  /** v5 properties; dropped on 3.1/3.1.1 connections. */
  properties?: PublishProperties;
  /**
   * Withdraws the message when aborted (an RPC request whose caller gave up): if it is still queued it is
   * never sent and the publish rejects with PublishWithdrawnError; if it is in flight it is not sent again
   * after a reconnect that did not resume the session (a resumed session must re-send it [MQTT-4.4.0-1]).
   */
  signal?: AbortSignal;
}

/** How a publish completed: written (QoS 0), PUBACK (QoS 1) or PUBCOMP (QoS 2). */
export interface PublishResult {
  /** The QoS it was sent with (lower than asked when the server's Maximum QoS downgraded it). */
  qos: QoS;
  /** v5 PUBACK/PUBREC reason code (< 0x80: success, e.g. 0x10 No matching subscribers); 0 otherwise. */
  reasonCode: number;
  reasonString?: string;
  userProperties?: UserProperties;
  /** QoS 0 publish dropped while offline under the queue.qos0 = 'drop' policy (counted in a warning). */
  dropped?: boolean;
}

export interface SubscribeResult {
  /** Granted QoS. */
  qos: QoS;
  /** The SUBACK reason code (granted QoS for success). */
  reasonCode: number;
  /** True when the server's Maximum QoS made us ask for less than requested. */
  downgraded: boolean;
}

/** A message delivered to one lease. */
export interface Delivery {
  packet: PublishPacket;
  /** The lease's filter that matched, as it subscribed it (with any `$share/group/`). */
  subscription: string;
}

/** Something worth a log line that is not a failure of a call. */
export interface ClientWarning {
  code:
    | 'qos-downgraded' // the server's Maximum QoS is lower than asked
    | 'qos0-dropped' // QoS 0 publish dropped while offline (policy 'drop')
    | 'kick-loop' // duplicate client id: repeatedly taken over
    | 'server-redirect' // v5 server reference (0x9C / 0x9D)
    | 'protocol' // the server broke the protocol; we disconnected
    | 'store' // a session store write failed (counted): see ConnectionStatus.storeError
    | 'handler-error'; // a lease's message handler threw (the message still reached the others)
  message: string;
  /** Running count, for counted warnings (qos0-dropped, store). */
  count?: number;
}

export interface ConnectionEvents {
  status: [status: ConnectionStatus];
  /** A CONNACK accepted the connection. */
  connected: [server: ServerInfo];
  /** An application message arrived (after QoS 2 de-duplication by the session). */
  message: [packet: PublishPacket];
  warning: [warning: ClientWarning];
}

/**
 * One MQTT client session over a series of transports: the connection driver implements it, the pool
 * multiplexes it. It outlives its transports: publishes made while offline queue in it, and it can be
 * opened again after close().
 */
export interface MqttConnection {
  readonly options: ConnectionOptions;
  readonly status: ConnectionStatus;
  /** Facts of the last accepted CONNACK; undefined before the first one. */
  readonly server: ServerInfo | undefined;
  /** Starts connecting (and reconnecting per the options) until close(). */
  open(): void;
  publish(message: PublishMessage): Promise<PublishResult>;
  /** Sends one SUBSCRIBE when connected; rejects with ClientClosedError if the connection is closed or lost first. */
  subscribe(subscriptions: Subscription[], properties?: SubscribeProperties): Promise<SubackPacket>;
  unsubscribe(topicFilters: string[]): Promise<UnsubackPacket>;
  /**
   * Deliberate disconnect: publishes the close message (when connected), sends DISCONNECT and closes the
   * transport, destroying it if that takes longer than `timeoutMs` (default 2000). No reconnect follows.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** Releases the store and every resource; the connection cannot be opened again. */
  dispose(): Promise<void>;
  on<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): this;
  off<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): this;
}
