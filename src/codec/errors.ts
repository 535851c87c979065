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

/**
 * 0x84: CONNECT names a protocol (name + level) this codec does not speak [MQTT-3.1.2-1], [MQTT-3.1.2-2].
 * A broker answers it before closing: `encode({ type: 'connack', sessionPresent: false,
 * reasonCode: err.replyCode }, err.replyVersion)`, i.e. CONNACK 0x84 to a client that asked for level 5 or
 * above, and CONNACK return code 1 (unacceptable protocol version) to anything older.
 */
export class UnsupportedProtocolVersionError extends MqttError {
  readonly protocolName: string;
  readonly protocolLevel: number;
  /** Version in which to encode the refusing CONNACK. */
  readonly replyVersion: 4 | 5;
  /** Reason code (v5) or return code (3.1.1) for the refusing CONNACK. */
  readonly replyCode: number;

  constructor(protocolName: string, protocolLevel: number, statement: string) {
    super(`unsupported protocol "${protocolName}" level ${protocolLevel}`, 0x84, statement);
    this.protocolName = protocolName;
    this.protocolLevel = protocolLevel;
    // Bit 7 of the level is the bridge flag some brokers use (0x83, 0x84): the version is in bits 6-0.
    const base = protocolLevel & 0x7f;
    this.replyVersion = base >= 5 ? 5 : 4;
    this.replyCode = base >= 5 ? 0x84 : 1;
  }
}
