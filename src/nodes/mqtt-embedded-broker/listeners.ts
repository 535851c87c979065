// The node's listener plan -> broker Listener objects: TCP and TLS on the bind address, WebSocket on its
// own port (ws or wss) or on a path of Node-RED's own HTTP server (below httpNodeRoot, honouring
// webSocketNodeVerifyClient like core's websocket nodes). TLS material comes from a tls-config node.
import type { Server } from 'node:http';
import type { TlsOptions } from 'node:tls';
import {
  TcpListener, TlsListener, WebSocketListener, WebSocketPathListener, type Listener, type TlsSettings,
} from '../../broker';
import type { VerifyClient } from '../../broker/ws-listener';
import type { Node, NodeAPI } from '../shared/red';
import type { EmbeddedBrokerSettings } from './config';

interface TlsConfigNode extends Node {
  addTLSOptions?(opts: Record<string, unknown>): void;
}

export interface PlannedListener {
  listener: Listener;
  /** For messages: "tcp 127.0.0.1:1883", "ws path /mqtt". */
  where: string;
}

/** Key, certificate and CA from the tls-config node; throws when it has no key or certificate. */
function secureContext(RED: NodeAPI, id: string | undefined): TlsOptions {
  const node = id ? (RED.nodes.getNode(id) as TlsConfigNode | null) : null;
  if (!node?.addTLSOptions) throw new Error('the TLS configuration node is missing');
  const o: Record<string, unknown> = {};
  node.addTLSOptions(o);
  if (!o.key || !o.cert) throw new Error('the TLS configuration has no private key or certificate');
  const context: TlsOptions = { key: o.key as TlsOptions['key'], cert: o.cert as TlsOptions['cert'] };
  if (o.ca) context.ca = o.ca as TlsOptions['ca'];
  if (typeof o.passphrase === 'string') context.passphrase = o.passphrase;
  return context;
}

/** httpNodeRoot + path, with exactly one slash between. */
export function nodePath(httpNodeRoot: unknown, path: string): string {
  const root = typeof httpNodeRoot === 'string' && httpNodeRoot !== '' ? httpNodeRoot : '/';
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export function planListeners(RED: NodeAPI, settings: EmbeddedBrokerSettings): PlannedListener[] {
  const { tcp, tls, ws } = settings.listeners;
  const out: PlannedListener[] = [];
  const needsTls = tls !== undefined || (ws?.mode === 'port' && ws.secure);
  const context = needsTls ? secureContext(RED, settings.tlsConfig) : undefined;
  const tlsSettings = (): TlsSettings => ({
    secureContext: context!, clientCertificates: tls?.clientCertificates ?? 'none', certificateIdentity: tls?.certificateIdentity ?? false,
  });
  const maxPayload = Math.max(settings.options.maxPacketSize ?? 1024 * 1024, 64 * 1024) * 2;
  if (tcp) out.push({ listener: new TcpListener({ ...tcp, name: 'tcp' }), where: `tcp ${tcp.host}:${tcp.port}` });
  if (tls) out.push({ listener: new TlsListener({ host: tls.host, port: tls.port, ...tlsSettings() }), where: `tls ${tls.host}:${tls.port}` });
  if (ws?.mode === 'port') {
    const listener = new WebSocketListener({ host: ws.host, port: ws.port, maxPayload, ...(ws.secure ? { tls: tlsSettings() } : {}) });
    out.push({ listener, where: `${ws.secure ? 'wss' : 'ws'} ${ws.host}:${ws.port}` });
  }
  if (ws?.mode === 'path') {
    const server = RED.server as Server | undefined;
    if (!server) throw new Error('Node-RED has no HTTP server to share (httpNodeRoot disabled?)');
    const path = nodePath(RED.settings.httpNodeRoot, ws.path);
    const verifyClient = RED.settings.webSocketNodeVerifyClient as VerifyClient | undefined;
    const listener = new WebSocketPathListener(server, { path, maxPayload, ...(verifyClient ? { verifyClient } : {}) });
    out.push({ listener, where: `ws path ${path}` });
  }
  return out;
}
