// Typed errors of the client layer. Each one says what went wrong in words a Node-RED user can act on,
// and carries the machine-readable facts (reason code, cause, field) that status and logs need.
import { MqttError } from '../codec/errors';

/** One problem found while validating connection options. */
export interface OptionIssue {
  /** Dotted path of the offending option, e.g. 'port' or 'will.qos'. */
  field: string;
  message: string;
}

/**
 * The options given to a connection (config node, `msg.broker`, API call) are invalid. The message lists
 * every problem, so a dynamic reconfiguration can report them all at once.
 */
export class InvalidOptionsError extends Error {
  readonly issues: readonly OptionIssue[];

  constructor(issues: OptionIssue[]) {
    super(`invalid options: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidOptionsError';
    this.issues = issues;
  }
}

/** Why a transport could not be opened or was lost, in the terms a user can act on. */
export type TransportCause =
  | 'dns' // the host name does not resolve (ENOTFOUND, EAI_AGAIN)
  | 'refused' // nothing listens there (ECONNREFUSED)
  | 'timeout' // no connection within the connect timeout
  | 'tls' // the TLS handshake failed (certificate, hostname, protocol)
  | 'websocket' // the HTTP upgrade to WebSocket was refused
  | 'reset' // the peer reset or closed the connection
  | 'unreachable' // no route to the host / network down
  | 'closed' // the transport was closed on purpose
  | 'other';

/** A transport-level failure (DNS, TCP, TLS, WebSocket), with its cause and the original error. */
export class TransportError extends Error {
  readonly kind: TransportCause;
  /** The Node.js/OpenSSL error code when there is one (ENOTFOUND, CERT_HAS_EXPIRED, ...). */
  readonly code: string | undefined;
  readonly original: Error | undefined;

  constructor(message: string, kind: TransportCause, options: { code?: string; original?: Error } = {}) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
    this.code = options.code;
    this.original = options.original;
  }
}

/** The server answered CONNECT with a refusal (CONNACK return/reason code other than success). */
export class ConnectionRefusedError extends MqttError {
  /** The server's reason string (v5), when it sent one. */
  readonly reasonString: string | undefined;
  /** The server reference (v5: 0x9C use another server / 0x9D server moved). */
  readonly serverReference: string | undefined;

  constructor(message: string, reasonCode: number, extra: { reasonString?: string; serverReference?: string } = {}) {
    super(message, reasonCode);
    this.name = 'ConnectionRefusedError';
    this.reasonString = extra.reasonString;
    this.serverReference = extra.serverReference;
  }
}

/** The operation cannot complete because the client or lease was closed first. */
export class ClientClosedError extends Error {
  constructor(what = 'client closed') {
    super(what);
    this.name = 'ClientClosedError';
  }
}

/** A SUBSCRIBE was refused for this filter: SUBACK 0x80 (3.1.1) or a v5 reason code >= 0x80. */
export class SubscribeError extends MqttError {
  readonly filter: string;
  readonly reasonString: string | undefined;

  constructor(filter: string, reasonCode: number, reasonName: string, reasonString?: string) {
    const hex = `0x${reasonCode.toString(16).padStart(2, '0')}`;
    super(`subscribe to "${filter}" refused: ${reasonName} (${hex})${reasonString ? `: ${reasonString}` : ''}`, reasonCode);
    this.name = 'SubscribeError';
    this.filter = filter;
    this.reasonString = reasonString;
  }
}

/** msg.action "connect" while connected, without `force` (Node-RED core: invalid-action-alreadyconnected). */
export class AlreadyConnectedError extends Error {
  constructor() {
    super('already connected: set msg.broker.force = true to reconnect with new options');
    this.name = 'AlreadyConnectedError';
  }
}

/** The server sent DISCONNECT (v5) with a reason code; also used for status. */
export class ServerDisconnectError extends MqttError {
  readonly reasonString: string | undefined;
  readonly serverReference: string | undefined;

  constructor(reasonCode: number, reasonName: string, extra: { reasonString?: string; serverReference?: string } = {}) {
    const hex = `0x${reasonCode.toString(16).padStart(2, '0')}`;
    const moved = extra.serverReference ? ` (server reference: ${extra.serverReference})` : '';
    super(`disconnected by the server: ${reasonName} (${hex})${extra.reasonString ? `: ${extra.reasonString}` : ''}${moved}`, reasonCode);
    this.name = 'ServerDisconnectError';
    this.reasonString = extra.reasonString;
    this.serverReference = extra.serverReference;
  }
}
