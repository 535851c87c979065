// Typed protocol errors. The codec throws them; the driver maps one to a DISCONNECT with its reason
// code (v5) or a plain close (3.1/3.1.1), and to a log line that names the normative statement.

export class MqttError extends Error {
  /** MQTT 5 reason code that describes the failure (also used for logging on 3.1.1). */
  readonly reasonCode: number;
  /** Normative statement enforced, e.g. 'MQTT-3.3.1-4', when there is one. */
  readonly statement: string | undefined;

  constructor(message: string, reasonCode: number, statement?: string) {
    super(statement ? `${message} [${statement}]` : message);
    this.name = new.target.name;
    this.reasonCode = reasonCode;
    this.statement = statement;
  }
}

/** 0x81: the bytes cannot be parsed according to the specification. */
export class MalformedPacketError extends MqttError {
  constructor(message: string, statement?: string) {
    super(message, 0x81, statement);
  }
}

/** 0x82: the bytes parse, but break a rule of the protocol. */
export class ProtocolError extends MqttError {
  constructor(message: string, statement?: string) {
    super(message, 0x82, statement);
  }
}

/** 0x95: the packet is larger than the receiver's Maximum Packet Size. */
export class PacketTooLargeError extends MqttError {
  constructor(message: string, statement?: string) {
    super(message, 0x95, statement);
  }
}
