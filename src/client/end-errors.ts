// The errors that say why a connection ended, built from what the server sent. Pure.
import { reasonCodeName } from '../codec';
import type { ConnackPacket, DisconnectPacket, ProtocolVersion } from '../codec/types';
import { ConnectionRefusedError, ServerDisconnectError } from './errors';

const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

/** "connection refused: Bad User Name or Password (0x86): <reason string> (server reference: ...)". */
export function refusalError(connack: ConnackPacket, version: ProtocolVersion): ConnectionRefusedError {
  const code = connack.reasonCode;
  const p = version === 5 ? connack.properties : undefined;
  const shown = version === 5 ? hex(code) : `return code ${code}`;
  const detail = p?.reasonString ? `: ${p.reasonString}` : '';
  const moved = p?.serverReference ? ` (server reference: ${p.serverReference})` : '';
  return new ConnectionRefusedError(`connection refused: ${reasonCodeName(code, 'connack', version)} (${shown})${detail}${moved}`, code, {
    ...(p?.reasonString !== undefined ? { reasonString: p.reasonString } : {}),
    ...(p?.serverReference !== undefined ? { serverReference: p.serverReference } : {}),
  });
}

/** A v5 DISCONNECT from the server, with its reason code, reason string and server reference. */
export function serverDisconnectError(packet: DisconnectPacket): ServerDisconnectError {
  const code = packet.reasonCode ?? 0;
  const p = packet.properties;
  return new ServerDisconnectError(code, reasonCodeName(code, 'disconnect', 5), {
    ...(p?.reasonString !== undefined ? { reasonString: p.reasonString } : {}),
    ...(p?.serverReference !== undefined ? { serverReference: p.serverReference } : {}),
  });
}
