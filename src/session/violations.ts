// Protocol violations by the peer, as values: the driver closes the connection (v5: DISCONNECT with the
// reason code first) [MQTT-4.8.0-1] [v5 MQTT-4.13.1-1].
import type { Effect } from './effects';
import type { Link } from './link';

export interface StatementIds {
  /** The MQTT 5 statement id, when one applies. */
  v5?: string;
  /** The MQTT 3.1.1 statement id, when one applies. */
  v311?: string;
}

export function violation<H>(link: Link | undefined, reasonCode: number, ids: StatementIds, message: string): Effect<H> {
  const statement = link?.version === 5 ? ids.v5 : ids.v311;
  return { kind: 'protocolViolation', reasonCode, statement, message };
}

/** An acknowledgement that names no packet we sent: its id must echo one of ours. */
export const ACK_ECHOES_ID: StatementIds = { v5: 'MQTT-2.2.1-5', v311: 'MQTT-2.3.1-6' };
/** SUBACK / UNSUBACK must echo the SUBSCRIBE / UNSUBSCRIBE id. */
export const CONTROL_ACK_ECHOES_ID: StatementIds = { v5: 'MQTT-2.2.1-6', v311: 'MQTT-2.3.1-7' };
