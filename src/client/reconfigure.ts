// Dynamic reconfiguration: Node-RED core's `msg.broker` object (msg.action "connect") mapped onto our
// options. Keys and meaning follow core's MQTTBrokerNode.setOptions(); the object is merged over the
// current options, then validated like any other options, so a bad key or value is a clear error
// instead of core's silent fallback.
import { Checker, show } from './check';
import { InvalidOptionsError } from './errors';
import type { MessageInput } from './messages';
import type { ConnectionOptionsInput } from './options';

/** What `msg.broker` may hold (all optional). */
export interface BrokerOverrides {
  url?: string;
  broker?: string;
  port?: number | string;
  clientid?: string;
  autoConnect?: boolean | string;
  usetls?: boolean | string;
  verifyservercert?: boolean | string;
  compatmode?: boolean | string;
  protocolVersion?: number | string;
  keepalive?: number | string;
  cleansession?: boolean | string;
  autoUnsubscribe?: boolean | string;
  topicAliasMaximum?: number | string;
  maximumPacketSize?: number | string;
  receiveMaximum?: number | string;
  userProperties?: unknown;
  userProps?: unknown;
  sessionExpiry?: number | string;
  sessionExpiryInterval?: number | string;
  username?: string;
  password?: string;
  birth?: MessageInput;
  close?: MessageInput;
  will?: MessageInput;
  /** Reconnect even when already connected. */
  force?: boolean | string;
}

const KNOWN_KEYS = new Set<string>([
  'url', 'broker', 'port', 'clientid', 'autoConnect', 'usetls', 'verifyservercert', 'compatmode',
  'protocolVersion', 'keepalive', 'cleansession', 'autoUnsubscribe', 'topicAliasMaximum', 'maximumPacketSize',
  'receiveMaximum', 'userProperties', 'userProps', 'sessionExpiry', 'sessionExpiryInterval', 'username',
  'password', 'birth', 'close', 'will', 'force',
]);

export interface Reconfiguration {
  options: ConnectionOptionsInput;
  force: boolean;
  /** Node-RED's "automatically unsubscribe when disconnecting" (only meaningful for persistent sessions). */
  autoUnsubscribe: boolean | undefined;
}

/**
 * Merges `msg.broker` over `current`. Throws InvalidOptionsError for unknown keys or values of the wrong
 * type; values are range-checked later by normalizeOptions().
 */
export function applyBrokerOverrides(current: ConnectionOptionsInput, overrides: unknown): Reconfiguration {
  const c = new Checker();
  if (overrides === undefined || overrides === null) return { options: { ...current }, force: false, autoUnsubscribe: undefined };
  if (!c.isObject('broker', overrides)) throw new InvalidOptionsError(c.issues);
  const o = overrides as BrokerOverrides & Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN_KEYS.has(key)) c.fail(`broker.${key}`, 'unknown key');
  const next: ConnectionOptionsInput = { ...current };
  applyAddress(c, next, o);
  if (o.clientid !== undefined) next.clientId = c.str('broker.clientid', o.clientid) ?? '';
  if (o.autoConnect !== undefined) next.autoConnect = c.bool('broker.autoConnect', o.autoConnect, true);
  if (o.verifyservercert !== undefined) {
    next.tls = { ...(next.tls ?? {}), rejectUnauthorized: c.bool('broker.verifyservercert', o.verifyservercert, true) };
  }
  if (o.protocolVersion !== undefined) next.protocolVersion = o.protocolVersion as ConnectionOptionsInput['protocolVersion'];
  else if (o.compatmode === true || o.compatmode === 'true') next.protocolVersion = 4; // core's legacy flag
  if (o.keepalive !== undefined) next.keepalive = o.keepalive;
  if (o.cleansession !== undefined) next.clean = c.bool('broker.cleansession', o.cleansession, true);
  if (o.topicAliasMaximum !== undefined) next.topicAliasMaximum = o.topicAliasMaximum;
  if (o.maximumPacketSize !== undefined) next.maximumPacketSize = o.maximumPacketSize;
  if (o.receiveMaximum !== undefined) next.receiveMaximum = o.receiveMaximum;
  const userProperties = o.userProperties ?? o.userProps;
  if (userProperties !== undefined) next.userProperties = userProperties as ConnectionOptionsInput['userProperties'];
  const expiry = o.sessionExpiryInterval ?? o.sessionExpiry;
  if (expiry !== undefined) next.sessionExpiryInterval = expiry;
  if (o.username !== undefined) next.username = c.str('broker.username', o.username) ?? '';
  if (o.password !== undefined) next.password = c.str('broker.password', o.password) ?? '';
  for (const k of ['birth', 'close', 'will'] as const) if (o[k] !== undefined) next[k] = o[k];
  const force = o.force === undefined ? false : c.bool('broker.force', o.force, false);
  const autoUnsubscribe = o.autoUnsubscribe === undefined ? undefined : c.bool('broker.autoUnsubscribe', o.autoUnsubscribe, true);
  if (c.issues.length > 0) throw new InvalidOptionsError(c.issues);
  return { options: next, force, autoUnsubscribe };
}

/** url wins; `broker` may be a host or a URL (as in the config node); port applies to a bare host. */
function applyAddress(c: Checker, next: ConnectionOptionsInput, o: BrokerOverrides): void {
  const url = c.str('broker.url', o.url);
  const broker = c.str('broker.broker', o.broker);
  if (url) {
    next.url = url;
    delete next.host;
  } else if (broker !== undefined) {
    if (broker.includes('://')) next.url = broker;
    else {
      delete next.url;
      next.host = broker;
    }
  }
  if (o.port !== undefined) {
    if (typeof o.port !== 'number' && typeof o.port !== 'string') c.fail('broker.port', `must be a number (got ${show(o.port)})`);
    else next.port = o.port;
  }
  if (o.usetls !== undefined) next.useTls = c.bool('broker.usetls', o.usetls, false);
}
