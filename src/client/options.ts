// Connection options: one loose input type (what a config node, `msg.broker` or an API caller gives) and
// one normalized type (what the driver uses), with validation that reports every problem as a typed
// InvalidOptionsError. Nothing here opens a socket.
import { randomBytes } from 'node:crypto';
import type { ProtocolVersion, UserProperties, Will } from '../codec/types';
import { Checker, show } from './check';
import { InvalidOptionsError } from './errors';
import { readMessage, readUserProperties, type MessageInput, type OutgoingMessage, type UserPropertiesInput } from './messages';
import { DEFAULT_BACKOFF, type BackoffOptions } from './reconnect';
import type { Endpoint, TlsSettings, TransportProtocol } from './transports/transport';
import { AddressError, DEFAULT_PORTS, parseAddress, protocolForScheme, type ParsedAddress } from './url';

/** Where unacknowledged and queued messages live between restarts. */
export type StoreChoice = { type: 'memory' } | { type: 'file'; path: string };

export interface QueueOptions {
  /** Publishes waiting for a connection (and QoS 1/2 in flight) before new ones are refused. */
  maxMessages: number;
  /** Same bound in payload + topic bytes. */
  maxBytes: number;
  /** QoS 0 publishes while offline: 'queue' them with the rest, or 'drop' them (counted, with a warning). */
  qos0: 'queue' | 'drop';
}

export const DEFAULT_QUEUE: Readonly<QueueOptions> = { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024, qos0: 'queue' };

export interface TlsInput extends Partial<TlsSettings> {
  /** Node-RED's name for rejectUnauthorized. */
  verifyServerCert?: boolean;
}

export interface ConnectionOptionsInput {
  /** A URL (mqtt://, mqtts://, tcp://, ssl://, ws://, wss://, memory://) or a host ("broker" in Node-RED). */
  url?: string;
  host?: string;
  port?: number | string;
  /** Turn a bare host into mqtts:// (Node-RED's "Use TLS"). */
  useTls?: boolean;
  /** WebSocket path; overrides the URL's path. */
  path?: string;
  protocolVersion?: ProtocolVersion | '3' | '4' | '5';
  /** Blank: a random id valid for every broker ("mqttkit" + 16 of [0-9a-zA-Z], 23 chars). */
  clientId?: string;
  /** Seconds, 0 (off) to 65535. Default 60. */
  keepalive?: number | string;
  /** Clean Session (3.1.1) / Clean Start (5). Default true. */
  clean?: boolean;
  /** v5, seconds; 0xFFFFFFFF = never expires. Default 0. */
  sessionExpiryInterval?: number | string;
  username?: string;
  password?: string | Buffer;
  will?: MessageInput;
  /** Published on every connect. */
  birth?: MessageInput;
  /** Published before a deliberate disconnect. */
  close?: MessageInput;
  /** v5 CONNECT user properties. */
  userProperties?: UserPropertiesInput | string;
  requestProblemInformation?: boolean;
  requestResponseInformation?: boolean;
  /** v5: how many QoS 1/2 publishes the server may have in flight towards us. Default 65535. */
  receiveMaximum?: number | string;
  /** v5: the largest packet we accept, bytes. Default: no limit. */
  maximumPacketSize?: number | string;
  /** v5: how many topic aliases the server may use towards us. Default 0. */
  topicAliasMaximum?: number | string;
  /** Ms to wait for the transport and CONNACK. Default 30000. */
  connectTimeout?: number | string;
  /** Backoff settings, or false to never reconnect automatically. */
  reconnect?: Partial<BackoffOptions> | false;
  queue?: Partial<QueueOptions>;
  store?: StoreChoice;
  tls?: TlsInput;
  wsHeaders?: Record<string, string>;
  /** TCP keepalive initial delay, ms; 0 disables. Default 30000. */
  tcpKeepAlive?: number;
  /** Connect as soon as the first user leases the connection. Default true. */
  autoConnect?: boolean;
}

export interface ConnectionOptions {
  endpoint: Endpoint;
  protocolVersion: ProtocolVersion;
  clientId: string;
  /** True when clientId was generated because none was given. */
  clientIdGenerated: boolean;
  keepalive: number;
  clean: boolean;
  /** v5 only (ignored for 3.1/3.1.1). */
  sessionExpiryInterval: number;
  username: string | undefined;
  password: Buffer | undefined;
  will: Will | undefined;
  birth: OutgoingMessage | undefined;
  close: OutgoingMessage | undefined;
  userProperties: UserProperties;
  requestProblemInformation: boolean;
  requestResponseInformation: boolean;
  receiveMaximum: number;
  /** undefined: no limit announced. */
  maximumPacketSize: number | undefined;
  topicAliasMaximum: number;
  connectTimeoutMs: number;
  reconnect: BackoffOptions | false;
  queue: QueueOptions;
  store: StoreChoice;
  autoConnect: boolean;
}

const U32_MAX = 0xffff_ffff;
const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** The longest client id every server must accept [MQTT-3.1.3-5]. */
export const PORTABLE_CLIENT_ID_LENGTH = 23;

/** A client id every server accepts: 23 characters of [0-9a-zA-Z] [MQTT-3.1.3-5]. */
export function generateClientId(prefix = 'mqttkit'): string {
  const bytes = randomBytes(PORTABLE_CLIENT_ID_LENGTH);
  let id = prefix.slice(0, PORTABLE_CLIENT_ID_LENGTH);
  for (let i = 0; id.length < PORTABLE_CLIENT_ID_LENGTH; i++) id += ALNUM[bytes[i]! % ALNUM.length];
  return id;
}

/** Validates and normalizes; throws InvalidOptionsError listing every problem. */
export function normalizeOptions(input: ConnectionOptionsInput): ConnectionOptions {
  const c = new Checker();
  if (input === null || typeof input !== 'object') throw new InvalidOptionsError([{ field: '(options)', message: 'must be an object' }]);
  const protocolVersion = c.oneOf('protocolVersion', input.protocolVersion, [4, 5, 3] as const, 4);
  const address = readAddress(c, input);
  const endpoint = readEndpoint(c, input, address);
  const clean = c.bool('clean', input.clean, true);
  const { clientId, generated } = readClientId(c, input.clientId, clean, protocolVersion);
  const username = c.str('username', input.username) ?? address.username;
  const password = readPassword(c, input.password ?? address.password);
  if (password !== undefined && username === undefined && protocolVersion !== 5) {
    c.fail('password', 'needs a username in MQTT 3.1/3.1.1 [MQTT-3.1.2-22]');
  }
  const options: ConnectionOptions = {
    endpoint,
    protocolVersion,
    clientId,
    clientIdGenerated: generated,
    keepalive: c.int('keepalive', input.keepalive, { min: 0, max: 65535, fallback: 60 }),
    clean,
    sessionExpiryInterval: c.int('sessionExpiryInterval', input.sessionExpiryInterval, { min: 0, max: U32_MAX, fallback: 0 }),
    username: username === '' ? undefined : username,
    password,
    will: readMessage(c, 'will', input.will, 'will'),
    birth: readMessage(c, 'birth', input.birth, 'publish'),
    close: readMessage(c, 'close', input.close, 'publish'),
    userProperties: readUserProperties(c, 'userProperties', input.userProperties) ?? [],
    requestProblemInformation: c.bool('requestProblemInformation', input.requestProblemInformation, true),
    requestResponseInformation: c.bool('requestResponseInformation', input.requestResponseInformation, false),
    receiveMaximum: c.int('receiveMaximum', input.receiveMaximum, { min: 1, max: 65535, fallback: 65535 }),
    maximumPacketSize: readOptionalInt(c, 'maximumPacketSize', input.maximumPacketSize, 16),
    topicAliasMaximum: c.int('topicAliasMaximum', input.topicAliasMaximum, { min: 0, max: 65535, fallback: 0 }),
    connectTimeoutMs: c.int('connectTimeout', input.connectTimeout, { min: 1, max: 600_000, fallback: 30_000 }),
    reconnect: readBackoff(c, input.reconnect),
    queue: readQueue(c, input.queue),
    store: readStore(c, input.store),
    autoConnect: c.bool('autoConnect', input.autoConnect, true),
  };
  if (c.issues.length > 0) throw new InvalidOptionsError(c.issues);
  return options;
}

function readAddress(c: Checker, input: ConnectionOptionsInput): ParsedAddress {
  const text = c.str('url', input.url) || c.str('host', input.host) || 'localhost';
  const field = input.url ? 'url' : 'host';
  try {
    return parseAddress(text);
  } catch (err) {
    c.fail(field, err instanceof AddressError ? err.message : String(err));
    return { host: 'localhost' };
  }
}

function readEndpoint(c: Checker, input: ConnectionOptionsInput, address: ParsedAddress): Endpoint {
  const useTls = c.bool('useTls', input.useTls, false);
  const protocol: TransportProtocol = address.protocol ?? (useTls ? 'mqtts' : 'mqtt');
  const fallbackPort = DEFAULT_PORTS[protocol];
  const port =
    address.port ??
    (address.protocol ? fallbackPort : c.int('port', input.port, { min: 1, max: 65535, fallback: fallbackPort }));
  if (address.port !== undefined && (address.port < 1 || address.port > 65535)) c.fail('url', `port ${address.port} out of range`);
  const path = c.str('path', input.path) ?? address.path ?? '/';
  if (!path.startsWith('/')) c.fail('path', `must start with "/" (got ${show(path)})`);
  let wsHeaders: Record<string, string> = {};
  if (input.wsHeaders !== undefined && c.isObject('wsHeaders', input.wsHeaders)) wsHeaders = input.wsHeaders;
  return {
    protocol,
    host: address.host,
    port: protocol === 'memory' ? 0 : port,
    path,
    tls: readTls(c, input.tls),
    wsHeaders,
    tcpKeepAliveMs: c.int('tcpKeepAlive', input.tcpKeepAlive, { min: 0, max: 3_600_000, fallback: 30_000 }),
  };
}

function readTls(c: Checker, input: TlsInput | undefined): TlsSettings {
  if (input === undefined || input === null) return { rejectUnauthorized: true };
  if (!c.isObject('tls', input)) return { rejectUnauthorized: true };
  const tls = input as TlsInput;
  const verify = tls.rejectUnauthorized ?? tls.verifyServerCert;
  const out: TlsSettings = { rejectUnauthorized: c.bool('tls.rejectUnauthorized', verify, true) };
  if (tls.ca !== undefined) out.ca = tls.ca;
  if (tls.cert !== undefined) out.cert = tls.cert;
  if (tls.key !== undefined) out.key = tls.key;
  if (tls.pfx !== undefined) {
    if (Buffer.isBuffer(tls.pfx)) out.pfx = tls.pfx;
    else c.fail('tls.pfx', 'must be a Buffer holding a PKCS#12 bundle');
  }
  if ((tls.cert === undefined) !== (tls.key === undefined) && tls.pfx === undefined) {
    c.fail('tls', 'a client certificate needs both cert and key');
  }
  const passphrase = c.str('tls.passphrase', tls.passphrase);
  if (passphrase) out.passphrase = passphrase;
  const servername = c.str('tls.servername', tls.servername);
  if (servername) out.servername = servername;
  if (tls.alpnProtocols !== undefined) {
    const alpn = typeof tls.alpnProtocols === 'string' ? [tls.alpnProtocols] : tls.alpnProtocols;
    if (Array.isArray(alpn) && alpn.every((p) => typeof p === 'string' && p.length > 0)) out.alpnProtocols = alpn;
    else c.fail('tls.alpnProtocols', `must be a list of protocol names (got ${show(tls.alpnProtocols)})`);
  }
  return out;
}

function readClientId(c: Checker, value: unknown, clean: boolean, version: ProtocolVersion): { clientId: string; generated: boolean } {
  const given = c.str('clientId', value)?.trim() ?? '';
  if (given === '') {
    if (!clean) c.fail('clientId', 'is required when clean is false (a generated id could never resume the session)');
    return { clientId: generateClientId(), generated: true };
  }
  if (version === 3 && given.length > PORTABLE_CLIENT_ID_LENGTH) {
    c.fail('clientId', `MQTT 3.1 allows at most ${PORTABLE_CLIENT_ID_LENGTH} characters (got ${given.length})`);
  }
  if (Buffer.byteLength(given, 'utf8') > 65535 || given.includes('\u0000')) c.fail('clientId', 'is not a valid MQTT string');
  return { clientId: given, generated: false };
}

function readPassword(c: Checker, value: unknown): Buffer | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  c.fail('password', `must be a string or Buffer (got ${show(value)})`);
  return undefined;
}

function readOptionalInt(c: Checker, field: string, value: unknown, min: number): number | undefined {
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return undefined;
  return c.int(field, value, { min, max: U32_MAX, fallback: 0 }) || undefined;
}

function readBackoff(c: Checker, value: ConnectionOptionsInput['reconnect']): BackoffOptions | false {
  if (value === false) return false;
  if (value === undefined || value === null) return { ...DEFAULT_BACKOFF };
  if (!c.isObject('reconnect', value)) return { ...DEFAULT_BACKOFF };
  const d = DEFAULT_BACKOFF;
  const initialDelayMs = c.int('reconnect.initialDelayMs', value.initialDelayMs, { min: 0, max: 86_400_000, fallback: d.initialDelayMs });
  const maxDelayMs = c.int('reconnect.maxDelayMs', value.maxDelayMs, { min: 0, max: 86_400_000, fallback: Math.max(d.maxDelayMs, initialDelayMs) });
  if (maxDelayMs < initialDelayMs) c.fail('reconnect.maxDelayMs', `must be >= initialDelayMs (${initialDelayMs})`);
  return {
    initialDelayMs,
    maxDelayMs,
    factor: c.num('reconnect.factor', value.factor, { min: 1, max: 100, fallback: d.factor }),
    jitter: c.num('reconnect.jitter', value.jitter, { min: 0, max: 1, fallback: d.jitter }),
    stableAfterMs: c.int('reconnect.stableAfterMs', value.stableAfterMs, { min: 0, max: 86_400_000, fallback: d.stableAfterMs }),
  };
}

function readQueue(c: Checker, value: Partial<QueueOptions> | undefined): QueueOptions {
  if (value === undefined || value === null || !c.isObject('queue', value)) return { ...DEFAULT_QUEUE };
  return {
    maxMessages: c.int('queue.maxMessages', value.maxMessages, { min: 1, max: 10_000_000, fallback: DEFAULT_QUEUE.maxMessages }),
    maxBytes: c.int('queue.maxBytes', value.maxBytes, { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: DEFAULT_QUEUE.maxBytes }),
    qos0: c.oneOf('queue.qos0', value.qos0, ['queue', 'drop'] as const, DEFAULT_QUEUE.qos0),
  };
}

function readStore(c: Checker, value: StoreChoice | undefined): StoreChoice {
  if (value === undefined || value === null) return { type: 'memory' };
  if (!c.isObject('store', value)) return { type: 'memory' };
  const type = c.oneOf('store.type', value.type, ['memory', 'file'] as const, 'memory');
  if (type === 'memory') return { type };
  const path = c.str('store.path', (value as { path?: unknown }).path);
  if (!path) c.fail('store.path', 'is required for a file store');
  return { type, path: path ?? '' };
}

/** True for a URL scheme this client can connect with. */
export function isSupportedScheme(scheme: string): boolean {
  return protocolForScheme(scheme) !== undefined;
}
