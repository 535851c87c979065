// mqtt-broker-config: one pool entry per config node. The constructor turns the saved properties into
// connection options (env references, credentials, the tls-config node, the file store location) and
// defines the pool entry; users lease it. Connection events are logged here once, not once per user.
import type { ConnectionPool } from '../../client/pool';
import { normalizeOptions, type TlsInput } from '../../client/options';
import type { SharedConnection } from '../../client/shared-connection';
import type { ClientWarning, ConnectionStatus, ServerInfo } from '../../client/types';
import type { BrokerConfigNode } from '../shared/broker-node';
import { connectionOptions, MissingEnvError, type BrokerConfigDef, type BrokerCredentials } from '../shared/config';
import { kitError, type Translate } from '../shared/errors';
import { reasonOf, reasonText } from '../shared/reasons';
import type { Node, NodeAPI } from '../shared/red';

interface TlsConfigNode extends Node {
  addTLSOptions?(opts: Record<string, unknown>): void;
}

type ConfigNode = BrokerConfigNode & { credentials?: BrokerCredentials };

/** TLS options from Node-RED's tls-config node, in the client's names. */
function tlsOptions(RED: NodeAPI, def: BrokerConfigDef): TlsInput | undefined {
  if (!def.usetls && !/^(mqtts|wss|ssl|tls):/i.test(def.broker ?? '')) return undefined;
  const node = def.tls ? (RED.nodes.getNode(def.tls) as TlsConfigNode | null) : null;
  if (!node?.addTLSOptions) return undefined;
  const o: Record<string, unknown> = {};
  node.addTLSOptions(o);
  const tls: TlsInput = {};
  for (const k of ['ca', 'cert', 'key', 'passphrase', 'servername'] as const) if (o[k] !== undefined) (tls as Record<string, unknown>)[k] = o[k];
  if (typeof o.rejectUnauthorized === 'boolean') tls.rejectUnauthorized = o.rejectUnauthorized;
  if (Array.isArray(o.ALPNProtocols)) tls.alpnProtocols = o.ALPNProtocols as string[];
  return tls;
}

/** Logs what a user should know once per connection, not once per node: connects, losses, refusals. */
function logEvents(node: Node, shared: SharedConnection, t: Translate): void {
  let last: ConnectionStatus['phase'] | undefined;
  let lastReason = '';
  shared.on('connected', (server: ServerInfo) => {
    lastReason = '';
    node.log(t(`mqtt-broker-config.log.${server.sessionPresent ? 'resumed' : 'connected'}`, { clientid: server.clientId }));
  });
  shared.on('status', (s: ConnectionStatus) => {
    if (s.phase === last && !s.error) return;
    const reason = s.error ? reasonText(reasonOf(s.error), t) : '';
    if ((s.phase === 'reconnecting' || s.phase === 'disconnected') && reason && reason !== lastReason) {
      node.warn(t('mqtt-broker-config.log.down', { reason }));
      lastReason = reason;
    }
    last = s.phase;
  });
  shared.on('warning', (w: ClientWarning) => {
    // Counted warnings (QoS 0 dropped offline) are logged at 1, 10, 100, ... to stay readable.
    if (w.count !== undefined && !/^10*$/.test(String(w.count))) return;
    node.warn(w.message);
  });
}

export function registerBrokerConfig(RED: NodeAPI, pool: ConnectionPool): void {
  const t: Translate = (key, subs) => RED._(key, subs);
  const env = (node: Node) => (name: string): string | undefined =>
    RED.util.getSetting?.(node, name) ?? process.env[name];

  RED.nodes.registerType('mqtt-broker-config', function (this: ConfigNode, def: BrokerConfigDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    let problem: Error | undefined;
    try {
      const options = connectionOptions(def, {
        credentials: node.credentials, env: env(node), userDir: String(RED.settings.userDir ?? process.cwd()), tls: tlsOptions(RED, def),
      });
      normalizeOptions(options); // throws InvalidOptionsError now, listing every problem, not in a promise
      // No entry exists for this id (the previous config node's close removed it), so this defines
      // synchronously and users can lease at once.
      void pool.define(def.id, options).catch((err: Error) => node.error(t('mqtt-kit.errors.config', { detail: err.message })));
      const shared = pool.get(def.id);
      if (shared) logEvents(node, shared, t);
    } catch (err) {
      problem = err instanceof MissingEnvError
        ? new Error(t('mqtt-kit.errors.missing-env', { field: err.field, names: err.names.join('}, ${') }))
        : (err as Error);
    }
    if (problem) node.error(t('mqtt-kit.errors.config', { detail: problem.message }));

    node.acquire = (user: Node) => {
      if (problem) throw kitError(t, 'INVALID_BROKER', { detail: problem.message }, { cause: problem });
      return pool.acquire(def.id, { id: user.id, name: user.name || user.type });
    };

    node.on('close', (removed: boolean, done: () => void) => {
      pool.close(def.id, { removed }).then(done, (err: Error) => {
        node.warn(err.message);
        done();
      });
    });
  }, { credentials: { user: { type: 'text' }, password: { type: 'password' } } });
}
