// Server address parsing: a URL (mqtt://, mqtts://, tcp://, ssl://, ws://, wss://, memory://) or a bare
// host with an optional port, including IPv6 literals with or without brackets.
import { isIP } from 'node:net';
import type { TransportProtocol } from './transports/transport';

export const DEFAULT_PORTS: Readonly<Record<TransportProtocol, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 80,
  wss: 443,
  memory: 0,
};

/** URL schemes users type, mapped to the transport that serves them. */
const SCHEMES: Readonly<Record<string, TransportProtocol>> = {
  mqtt: 'mqtt',
  tcp: 'mqtt',
  mqtts: 'mqtts',
  ssl: 'mqtts',
  tls: 'mqtts',
  'mqtt+ssl': 'mqtts',
  ws: 'ws',
  wss: 'wss',
  memory: 'memory',
};

export interface ParsedAddress {
  protocol?: TransportProtocol;
  host: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
}

/** A problem with the address, as text for an InvalidOptionsError issue. */
export class AddressError extends Error {}

export function protocolForScheme(scheme: string): TransportProtocol | undefined {
  return SCHEMES[scheme.toLowerCase()];
}

/** Parses `scheme://[user[:pass]@]host[:port][/path]`. */
export function parseUrl(text: string): ParsedAddress {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  if (!m) throw new AddressError(`"${text}" is not a URL`);
  const protocol = protocolForScheme(m[1]!);
  if (!protocol) throw new AddressError(`unsupported scheme "${m[1]}" (use mqtt, mqtts, tcp, ssl, ws, wss)`);
  let url: URL;
  try {
    // Parse as http(s) so that every scheme gets the same (special-scheme) host and path rules.
    url = new URL(`http://${text.slice(m[0].length)}`);
  } catch {
    throw new AddressError(`"${text}" is not a valid URL`);
  }
  const host = stripBrackets(url.hostname);
  if (!host) throw new AddressError(`"${text}" has no host`);
  const parsed: ParsedAddress = { protocol, host };
  if (url.port) parsed.port = Number(url.port);
  const path = url.pathname + url.search;
  if (path && path !== '/') parsed.path = path;
  if (url.username) parsed.username = decodeURIComponent(url.username);
  if (url.password) parsed.password = decodeURIComponent(url.password);
  return parsed;
}

/**
 * Parses a bare host: `name`, `name:port`, `1.2.3.4:port`, `::1` (a bare IPv6 literal, as Node-RED
 * accepts), or `[::1]:port`.
 */
export function parseHost(text: string): ParsedAddress {
  const host = text.trim();
  if (host === '') throw new AddressError('host is empty');
  if (isIP(host) === 6) return { host };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw new AddressError(`"${text}" is not an IPv6 literal`);
    return bracketed[2] ? { host: bracketed[1]!, port: Number(bracketed[2]) } : { host: bracketed[1]! };
  }
  const withPort = /^([^:/\s]+):(\d+)$/.exec(host);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  if (/[\s/:@]/.test(host)) throw new AddressError(`"${text}" is not a host name or IP address`);
  return { host };
}

/** Either form: with `://` it is a URL, otherwise a host. */
export function parseAddress(text: string): ParsedAddress {
  return text.includes('://') ? parseUrl(text.trim()) : parseHost(text);
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
