// The mqtt-broker-config node's saved properties (core's names where core has the field) -> the client
// layer's connection options. Strings from the editor are normalized here, once, so the runtime never
// compares "true" with true. `${NAME}` references are expanded in server, client id and credentials.
// (msg.broker, core's keys for a dynamic reconnect, is mapped by the client layer: src/client/reconfigure.ts.)
import { join } from 'node:path';
import type { ConnectionOptionsInput, TlsInput } from '../../client/options';
import type { MessageInput } from '../../client/messages';
import { expandEnv, type EnvLookup } from './env';

/** Flat fields of the birth, close and will messages, as core names them (birthTopic, willMsg, ...). */
type MessageFields = { [K in `${'birth' | 'close' | 'will'}${'Topic' | 'Qos' | 'Retain' | 'Payload' | 'Msg'}`]?: unknown };

/** What the editor saves for an mqtt-broker-config node (see its editor.html defaults). */
export interface BrokerConfigDef extends MessageFields {
  id: string;
  name?: string;
  broker?: string;
  port?: number | string;
  usetls?: boolean;
  tls?: string;
  protocolVersion?: number | string;
  clientid?: string;
  keepalive?: number | string;
  connectTimeout?: number | string;
  cleansession?: boolean;
  sessionExpiry?: number | string;
  autoConnect?: boolean;
  store?: 'memory' | 'file';
  queueMaxMessages?: number | string;
  queueMaxMB?: number | string;
  qos0Offline?: 'queue' | 'drop';
  reconnectMin?: number | string;
  reconnectMax?: number | string;
  reconnectFactor?: number | string;
  userProps?: string;
  receiveMaximum?: number | string;
  maximumPacketSize?: number | string;
  topicAliasMaximum?: number | string;
  requestProblemInformation?: boolean;
  requestResponseInformation?: boolean;
}

export interface BrokerCredentials {
  user?: string;
  password?: string;
}

/** Thrown when a `${NAME}` a field uses is not set. */
export class MissingEnvError extends Error {
  readonly field: string;
  readonly names: string[];
  constructor(field: string, names: string[]) {
    super(`${field} uses \${${names.join('}, ${')}}, which is not set`);
    this.name = 'MissingEnvError';
    this.field = field;
    this.names = names;
  }
}

function expanded(field: string, value: string | undefined, lookup: EnvLookup): string | undefined {
  if (value === undefined || value === '') return value;
  const r = expandEnv(value, lookup);
  if (r.missing.length) throw new MissingEnvError(field, r.missing);
  return r.value;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** Seconds typed in the editor -> ms; blank gives undefined (the client's default). */
function secondsToMs(v: unknown): number | undefined {
  if (blank(v)) return undefined;
  return Math.round(Number(v) * 1000);
}

function flag(v: unknown, fallback: boolean): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return fallback;
}

/** One of birth/close/will from the flat editor fields; undefined when its topic is blank (disabled). */
function editorMessage(def: BrokerConfigDef, which: 'birth' | 'close' | 'will'): MessageInput | undefined {
  const topic = def[`${which}Topic`];
  if (typeof topic !== 'string' || topic.trim() === '') return undefined;
  const msg: MessageInput = {
    topic,
    payload: def[`${which}Payload`] ?? '',
    qos: Number(def[`${which}Qos`] ?? 0) as 0 | 1 | 2,
    retain: flag(def[`${which}Retain`], false),
  };
  const props = def[`${which}Msg`];
  if (props && typeof props === 'object' && Object.keys(props).length) msg.properties = props as MessageInput['properties'];
  return msg;
}

export interface ConfigContext {
  credentials: BrokerCredentials | undefined;
  env: EnvLookup;
  /** Node-RED's user directory, for the file store. */
  userDir: string;
  /** TLS options from the referenced tls-config node, when "Use TLS" is ticked. */
  tls?: TlsInput | undefined;
}

/** Where a file-store config node keeps its session: <userDir>/mqtt-kit/<config id>. */
export function storeDirectory(userDir: string, configId: string): string {
  return join(userDir, 'mqtt-kit', configId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

function address(def: BrokerConfigDef, env: EnvLookup): Pick<ConnectionOptionsInput, 'url' | 'host' | 'port'> {
  const server = expanded('broker', (def.broker ?? '').trim(), env) || 'localhost';
  if (server.includes('://')) return { url: server };
  return blank(def.port) ? { host: server } : { host: server, port: def.port as number | string };
}

/** The connection options a config node asks for. Throws MissingEnvError for an unset `${NAME}`. */
export function connectionOptions(def: BrokerConfigDef, ctx: ConfigContext): ConnectionOptionsInput {
  const v = String(def.protocolVersion ?? '4') as '3' | '4' | '5';
  const o: ConnectionOptionsInput = {
    ...address(def, ctx.env),
    useTls: flag(def.usetls, false),
    protocolVersion: v,
    clientId: expanded('clientid', (def.clientid ?? '').trim(), ctx.env) ?? '',
    keepalive: def.keepalive ?? 60,
    clean: flag(def.cleansession, true),
    autoConnect: flag(def.autoConnect, true),
    requestProblemInformation: flag(def.requestProblemInformation, true),
    requestResponseInformation: flag(def.requestResponseInformation, false),
    queue: {
      maxMessages: blank(def.queueMaxMessages) ? undefined : Number(def.queueMaxMessages),
      maxBytes: blank(def.queueMaxMB) ? undefined : Math.round(Number(def.queueMaxMB) * 1024 * 1024),
      qos0: def.qos0Offline === 'drop' ? 'drop' : 'queue',
    },
    reconnect: {
      initialDelayMs: secondsToMs(def.reconnectMin),
      maxDelayMs: secondsToMs(def.reconnectMax),
      factor: blank(def.reconnectFactor) ? undefined : Number(def.reconnectFactor),
    },
    store: def.store === 'file' ? { type: 'file', path: storeDirectory(ctx.userDir, def.id) } : { type: 'memory' },
  };
  const connectTimeout = secondsToMs(def.connectTimeout);
  if (connectTimeout !== undefined) o.connectTimeout = connectTimeout;
  const user = expanded('username', ctx.credentials?.user, ctx.env);
  const password = expanded('password', ctx.credentials?.password, ctx.env);
  if (user) o.username = user;
  if (password) o.password = password;
  if (ctx.tls) o.tls = ctx.tls;
  for (const which of ['birth', 'close', 'will'] as const) {
    const m = editorMessage(def, which);
    if (m) o[which] = m;
  }
  if (v === '5') addV5(def, o);
  return o;
}

function addV5(def: BrokerConfigDef, o: ConnectionOptionsInput): void {
  if (!blank(def.sessionExpiry)) o.sessionExpiryInterval = def.sessionExpiry as number | string;
  if (!blank(def.userProps)) o.userProperties = def.userProps as string;
  if (!blank(def.receiveMaximum)) o.receiveMaximum = def.receiveMaximum as number | string;
  if (!blank(def.maximumPacketSize)) o.maximumPacketSize = def.maximumPacketSize as number | string;
  if (!blank(def.topicAliasMaximum)) o.topicAliasMaximum = def.topicAliasMaximum as number | string;
}
