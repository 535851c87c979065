// Opens the transport an endpoint names. The driver calls only this.
import { openMemory } from './memory';
import { openTcp, openTls } from './socket';
import type { Endpoint, OpenOptions, Transport } from './transport';
import { openWebSocket } from './websocket';

export type { Endpoint, OpenOptions, TlsSettings, Transport, TransportCloseInfo, TransportProtocol } from './transport';
export { createMemoryPair, listenMemory, MemoryServerSocket } from './memory';

const OPENERS: Readonly<Record<Endpoint['protocol'], (e: Endpoint, o: OpenOptions) => Promise<Transport>>> = {
  mqtt: openTcp,
  mqtts: openTls,
  ws: openWebSocket,
  wss: openWebSocket,
  memory: openMemory,
};

export function openTransport(endpoint: Endpoint, options: OpenOptions): Promise<Transport> {
  return OPENERS[endpoint.protocol](endpoint, options);
}
