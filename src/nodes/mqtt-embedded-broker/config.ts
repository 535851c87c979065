// What the editor saves for an mqtt-embedded-broker node -> the broker's settings. Strings from the
// editor are normalized here, once: blanks mean "broker default", numbers are checked, and every problem
// is collected so the node reports them all at once.
import { join } from 'node:path';
import { Acl, AclSyntaxError, type AnonymousPolicy, type BrokerOptions, type ClientCertificates } from '../../broker';
import type { FsyncPolicy } from '../../store/log';

export interface EmbeddedBrokerDef {
  id: string;
  name?: string;
  /** Listeners */
  tcp?: boolean | string;
  host?: string;
  port?: number | string;
  tlsEnabled?: boolean | string;
  tls?: string;
  tlsPort?: number | string;
  clientCerts?: ClientCertificates;
  certUsername?: boolean | string;
  ws?: 'off' | 'port' | 'path';
  wsPort?: number | string;
  wsPath?: string;
  wsTls?: boolean | string;
  /** Security */
  anonymous?: AnonymousPolicy;
  aclEnabled?: boolean | string;
  acl?: string;
  /** Limits */
  maxConnections?: number | string;
  maxPacketKB?: number | string;
  maxInflight?: number | string;
  maxQueued?: number | string;
  connectTimeout?: number | string;
  maxTopicLevels?: number | string;
  maxTopicLength?: number | string;
  maxSessionExpiry?: number | string;
  /** Persistence */
  persistence?: 'off' | 'on';
  fsync?: FsyncPolicy;
  /** $SYS: seconds between updates; 0 turns $SYS off. */
  sysInterval?: number | string;
  wires?: string[][];
}

export interface ListenerPlan {
  tcp: { host: string; port: number } | undefined;
  tls: { host: string; port: number; clientCertificates: ClientCertificates; certificateIdentity: boolean } | undefined;
  ws: { mode: 'port'; host: string; port: number; secure: boolean } | { mode: 'path'; path: string } | undefined;
}

export interface EmbeddedBrokerSettings {
  listeners: ListenerPlan;
  /** tls-config node id, when TLS or wss is on. */
  tlsConfig: string | undefined;
  anonymous: AnonymousPolicy;
  acl: Acl | undefined;
  options: BrokerOptions;
  persistence: { fsync: FsyncPolicy } | undefined;
  sysIntervalSeconds: number;
}

/** Every problem found in the saved configuration, reported together. */
export class EmbeddedBrokerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'EmbeddedBrokerConfigError';
  }
}

function flag(v: unknown, fallback: boolean): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return fallback;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** A checked whole number, or undefined when blank (the default applies). */
function count(problems: string[], field: string, v: unknown, min: number, max: number): number | undefined {
  if (blank(v)) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${field} must be a whole number from ${min} to ${max} (got "${String(v)}")`);
    return undefined;
  }
  return n;
}

function listeners(def: EmbeddedBrokerDef, problems: string[]): ListenerPlan {
  const host = (def.host ?? '').trim() || '127.0.0.1';
  const port = (field: string, v: unknown, fallback: number) => count(problems, field, v, 1, 65535) ?? fallback;
  const plan: ListenerPlan = { tcp: undefined, tls: undefined, ws: undefined };
  if (flag(def.tcp, true)) plan.tcp = { host, port: port('port', def.port, 1883) };
  if (flag(def.tlsEnabled, false)) {
    plan.tls = {
      host, port: port('TLS port', def.tlsPort, 8883), clientCertificates: def.clientCerts ?? 'none',
      certificateIdentity: flag(def.certUsername, false),
    };
  }
  if (def.ws === 'port') plan.ws = { mode: 'port', host, port: port('WebSocket port', def.wsPort, 9001), secure: flag(def.wsTls, false) };
  if (def.ws === 'path') {
    const path = (def.wsPath ?? '').trim() || '/mqtt';
    plan.ws = { mode: 'path', path: path.startsWith('/') ? path : `/${path}` };
  }
  return plan;
}

function limits(def: EmbeddedBrokerDef, problems: string[]): BrokerOptions {
  const o: BrokerOptions = {};
  const set = <K extends keyof BrokerOptions>(key: K, value: BrokerOptions[K] | undefined) => {
    if (value !== undefined) o[key] = value;
  };
  set('maxConnections', count(problems, 'max connections', def.maxConnections, 1, 1_000_000));
  const kb = count(problems, 'max packet size', def.maxPacketKB, 1, 262_144);
  set('maxPacketSize', kb === undefined ? undefined : kb * 1024);
  set('maxInflight', count(problems, 'in-flight messages per client', def.maxInflight, 1, 65535));
  set('maxQueued', count(problems, 'queued messages per client', def.maxQueued, 0, 10_000_000));
  const timeout = count(problems, 'CONNECT timeout', def.connectTimeout, 1, 3600);
  set('connectTimeout', timeout === undefined ? undefined : timeout * 1000);
  set('maxTopicLevels', count(problems, 'topic levels', def.maxTopicLevels, 1, 65535));
  set('maxTopicLength', count(problems, 'topic length', def.maxTopicLength, 1, 65535));
  set('maxSessionExpiry', count(problems, 'session expiry', def.maxSessionExpiry, 0, 0xffffffff));
  return o;
}

/** Normalizes the saved node; throws EmbeddedBrokerConfigError listing every problem. */
export function brokerSettings(def: EmbeddedBrokerDef): EmbeddedBrokerSettings {
  const problems: string[] = [];
  const plan = listeners(def, problems);
  const secure = plan.tls !== undefined || (plan.ws?.mode === 'port' && plan.ws.secure);
  if (secure && !def.tls) problems.push('TLS needs a TLS configuration (tls-config node)');
  let acl: Acl | undefined;
  if (flag(def.aclEnabled, false)) {
    try {
      acl = Acl.parse(def.acl ?? '');
    } catch (err) {
      problems.push(err instanceof AclSyntaxError ? err.message : String(err));
    }
  }
  const options = limits(def, problems);
  const sys = count(problems, '$SYS interval', def.sysInterval, 0, 86400) ?? 10;
  if (problems.length > 0) throw new EmbeddedBrokerConfigError(problems);
  return {
    listeners: plan, tlsConfig: secure ? def.tls : undefined, anonymous: def.anonymous ?? 'auto', acl, options,
    persistence: def.persistence === 'on' ? { fsync: def.fsync ?? 'batch' } : undefined, sysIntervalSeconds: sys,
  };
}

/** Where a node's persistent state lives: <userDir>/mqtt-kit/broker-<node id>. */
export function persistenceDirectory(userDir: string, nodeId: string): string {
  return join(userDir, 'mqtt-kit', `broker-${nodeId.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/** The in-process address config nodes use for this broker: memory://<id> (lower case, as URLs read it). */
export function memoryName(nodeId: string): string {
  return nodeId.toLowerCase();
}

/**
 * A second in-process address from the node's name ("Plant Broker" -> memory://plant-broker): it survives
 * an import that gives the node a new id. Undefined without a usable name.
 */
export function memoryAlias(name: string | undefined): string | undefined {
  const slug = (name ?? '').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return slug === '' ? undefined : slug;
}
