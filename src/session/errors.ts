// Typed failures of session commands. Each carries the MQTT 5 reason code that describes it (also used
// for logs on 3.1.1) and, where one applies, the normative statement it enforces. The driver hands them
// to whoever issued the command (a Node-RED `done(err)`), so the messages are written for users.
import { MqttError } from '../codec/errors';
import { reasonCodeName, type ReasonCodePacket } from '../codec/reason-codes';
import type { AckProperties, ConnackPacket, ProtocolVersion } from '../codec/types';

export { PacketTooLargeError } from '../codec/errors';

/** The offline/backlog queue is at its message or byte limit; the publish was not accepted. */
export class QueueFullError extends MqttError {
  constructor(readonly limit: 'messages' | 'bytes', readonly max: number) {
    super(`publish not queued: the queue is full (${max} ${limit})`, 0x97);
  }
}

/** The peer answered with a reason code >= 0x80 (MQTT 5). The command is finished, never retried [MQTT-4.4.0-2]. */
export class CommandRefusedError extends MqttError {
  readonly reasonString: string | undefined;

  constructor(what: 'publish' | 'subscribe' | 'unsubscribe', reasonCode: number, packet: ReasonCodePacket,
    properties: AckProperties | undefined) {
    const name = reasonCodeName(reasonCode, packet, 5);
    const hex = `0x${reasonCode.toString(16).padStart(2, '0')}`;
    const detail = properties?.reasonString ? `: ${properties.reasonString}` : '';
    super(`${what} refused: ${name} (${hex})${detail}`, reasonCode);
    this.reasonString = properties?.reasonString;
  }
}

/** A queued message's Message Expiry Interval ran out before it could be sent. */
export class MessageExpiredError extends MqttError {
  constructor(topic: string) {
    super(`publish to "${topic}" dropped: its message expiry interval elapsed while queued`, 0x80);
  }
}

/**
 * The sender withdrew a publish that had not been sent yet (a request whose caller gave up): it was taken
 * out of the queue and will never be sent.
 */
export class PublishWithdrawnError extends MqttError {
  constructor(topic: string) {
    super(`publish to "${topic}" withdrawn by its sender before it was sent`, 0x80);
  }
}

/** The server's CONNACK said it does not support this QoS [MQTT-3.2.2-11]. */
export class QosNotSupportedError extends MqttError {
  constructor(qos: number, maximum: number) {
    super(`publish at QoS ${qos} refused locally: the server's Maximum QoS is ${maximum}`, 0x9b, 'MQTT-3.2.2-11');
  }
}

/** The server's CONNACK said Retain Available = 0 [MQTT-3.2.2-14]. */
export class RetainNotSupportedError extends MqttError {
  constructor() {
    super('retained publish refused locally: the server does not support retained messages', 0x9a, 'MQTT-3.2.2-14');
  }
}

/**
 * The session store could not write what a message needs (disk full, I/O error). An outgoing message is
 * failed with it and never sent; an incoming QoS 2 message is not acknowledged (the connection closes, and
 * the server sends it again later). 0x83 Implementation specific error: the packets were valid.
 */
export class StoreWriteError extends MqttError {
  constructor(override readonly cause: unknown) {
    super(`could not store message: ${cause instanceof Error ? cause.message : String(cause)}`, 0x83);
  }
}

/** The session was shut down before the command finished. */
export class SessionClosedError extends MqttError {
  constructor(what: string) {
    super(`${what} not completed: the session was closed`, 0x80);
  }
}

/** A command the session cannot carry out in its current state (e.g. an invalid DISCONNECT option). */
export class InvalidCommandError extends MqttError {
  constructor(message: string, statement?: string) {
    super(message, 0x82, statement);
  }
}

/** 3.1/3.1.1 CONNACK return codes 1-5 as the MQTT 5 reason codes that mean the same. */
const RETURN_CODE_REASONS = [0x00, 0x84, 0x85, 0x88, 0x86, 0x87];

/** The server refused the connection in its CONNACK. */
export class ConnectRefusedError extends MqttError {
  /** The code exactly as received (a 3.1.1 return code or a v5 reason code). */
  readonly code: number;

  constructor(connack: ConnackPacket, version: ProtocolVersion) {
    const code = connack.reasonCode;
    const reason = version === 5 ? code : RETURN_CODE_REASONS[code] ?? 0x80;
    const shown = version === 5 ? `0x${code.toString(16).padStart(2, '0')}` : `return code ${code}`;
    const detail = connack.properties?.reasonString ? `: ${connack.properties.reasonString}` : '';
    super(`connection refused: ${reasonCodeName(code, 'connack', version)} (${shown})${detail}`, reason);
    this.code = code;
  }
}
