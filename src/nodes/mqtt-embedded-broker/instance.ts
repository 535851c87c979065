// One running embedded broker for one node: security from the users credential and ACL, optional disk
// persistence, the listeners, the in-process address memory://<node id>, $SYS, events to the outputs.
// start() never throws: problems become node errors and a red status. close() is bounded: listeners stop
// accepting at once (ports are free for the next deploy) and open connections are destroyed after a grace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenMemory, type MemoryServerSocket } from '../../client/transports/memory';
import {
  Broker, BrokerSecurity, FilePersistence, ListenError, SysTopics, type BrokerStats,
} from '../../broker';
import type { Translate } from '../shared/errors';
import type { Node, NodeAPI, NodeStatus } from '../shared/red';
import { memoryAlias, memoryName, persistenceDirectory, type EmbeddedBrokerSettings } from './config';
import {
  authFailureMsg, connectMsg, disconnectMsg, publishMsg, subscribeMsg, unsubscribeMsg,
} from './events';
import { planListeners } from './listeners';
import { loadUsers, usersCredential } from './users';

const STATUS_MS = 2000;

export interface InstanceContext {
  RED: NodeAPI;
  node: Node;
  settings: EmbeddedBrokerSettings;
  /** Output 2 is wired: every routed message goes out there. */
  publishOutput: boolean;
  t: Translate;
}

export class EmbeddedBrokerInstance {
  broker: Broker | undefined;
  readonly ready: Promise<void>;
  private persistence: FilePersistence | undefined;
  private sys: SysTopics | undefined;
  private readonly memory: Array<{ close(): void }> = [];
  private readonly addresses: string[] = [];
  private readonly waiting: MemoryServerSocket[] = [];
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private problems: string[] = [];
  private lastStats: { at: number; messages: number } | undefined;
  private lastStatus = '';
  private closing = false;

  constructor(private readonly ctx: InstanceContext) {
    this.listenInProcess();
    this.status({ fill: 'yellow', shape: 'ring', text: ctx.t('mqtt-embedded-broker.status.starting') });
    this.ready = this.start();
  }

  /**
   * memory://<id> and memory://<name>, registered at once so config nodes that connect during this deploy
   * find them; connections wait for start(). A name another embedded broker already uses is skipped.
   */
  private listenInProcess(): void {
    const { node, t } = this.ctx;
    const names = [memoryName(node.id), memoryAlias(node.name)].filter((n, i, all): n is string => n !== undefined && all.indexOf(n) === i);
    for (const name of names) {
      try {
        this.memory.push(listenMemory(name, (socket) => this.acceptMemory(socket)));
        this.addresses.push(`memory://${name}`);
      } catch {
        node.warn(t('mqtt-embedded-broker.warn.memory-taken', { address: `memory://${name}` }));
      }
    }
  }

  private acceptMemory(socket: MemoryServerSocket): void {
    if (this.broker && !this.closing) this.broker.handleConnection(socket, { listener: 'memory', remoteAddress: 'memory' });
    else if (this.closing) socket.destroy();
    else this.waiting.push(socket);
  }

  private async start(): Promise<void> {
    const { node, settings, t } = this.ctx;
    try {
      const security = await this.security();
      if (settings.persistence) {
        this.persistence = await FilePersistence.open({
          directory: persistenceDirectory(String(this.ctx.RED.settings.userDir ?? process.cwd()), node.id),
          fsync: settings.persistence.fsync,
          onError: (err) => node.error(t('mqtt-embedded-broker.errors.persistence', { detail: err.message })),
        });
      }
      const broker = new Broker({ ...settings.options, ...(this.persistence ? { persistence: this.persistence } : {}) }, security.hooks);
      this.broker = broker;
      this.wireEvents(broker, security);
      await broker.start();
      if (this.closing) return;
      for (const socket of this.waiting.splice(0)) this.acceptMemory(socket);
      await this.listen(broker);
      if (settings.sysIntervalSeconds > 0) {
        this.sys = new SysTopics(broker, { version: `mqtt-kit ${packageVersion()}`, intervalSeconds: settings.sysIntervalSeconds });
        this.sys.start();
      }
      this.statusTimer = setInterval(() => this.showStatus(), STATUS_MS);
      this.statusTimer.unref?.();
      this.showStatus();
    } catch (err) {
      this.fail(t('mqtt-embedded-broker.errors.start', { detail: (err as Error).message }), 'start');
    }
  }

  private async security(): Promise<BrokerSecurity> {
    const { RED, node, settings, t } = this.ctx;
    const loaded = await loadUsers(node.credentials?.users);
    for (const problem of loaded.problems) node.error(t('mqtt-embedded-broker.errors.users', { detail: problem }));
    if (loaded.hashedNow.length > 0) {
      // Kept by Node-RED and written with the next deploy; until then the plaintext stays in flows_cred.
      const users = usersCredential(loaded.users);
      if (node.credentials) node.credentials.users = users;
      (RED.nodes as unknown as { addCredentials?(id: string, c: object): void }).addCredentials?.(node.id, { ...node.credentials, users });
      node.warn(t('mqtt-embedded-broker.warn.plaintext', { users: loaded.hashedNow.join(', ') }));
    }
    return new BrokerSecurity({
      users: loaded.users, anonymous: settings.anonymous, ...(settings.acl ? { acl: settings.acl } : {}),
      sessionOwner: (clientId) => this.broker?.session(clientId),
    });
  }

  private async listen(broker: Broker): Promise<void> {
    const { node, t } = this.ctx;
    const planned = planListeners(this.ctx.RED, this.ctx.settings);
    const up: string[] = [];
    for (const { listener, where } of planned) {
      try {
        await broker.listen(listener);
        const a = listener.address();
        up.push(a && !where.includes('path') ? where.replace(/:\d+$/, `:${a.port}`) : where);
      } catch (err) {
        const inUse = err instanceof ListenError ? err.code === 'EADDRINUSE' : (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        this.fail(inUse ? t('mqtt-embedded-broker.errors.in-use', { where }) : t('mqtt-embedded-broker.errors.listen', { where, detail: (err as Error).message }), where);
      }
    }
    node.log(t('mqtt-embedded-broker.log.listening', { where: [...up, ...this.addresses].join(', ') }));
  }

  private wireEvents(broker: Broker, security: BrokerSecurity): void {
    const { node, publishOutput, t } = this.ctx;
    const emit = (msg: Record<string, unknown>) => node.send([msg, null]);
    broker.on('clientConnect', (c, d) => emit(connectMsg(c, d)));
    broker.on('clientDisconnect', (c, r) => emit(disconnectMsg(c, r)));
    broker.on('subscribe', (c, s) => emit(subscribeMsg(c, s)));
    broker.on('unsubscribe', (c, f) => emit(unsubscribeMsg(c, f)));
    broker.on('clientError', (c, err) => node.debug(`client ${c?.clientId ?? '?'}: ${String((err as Error)?.message ?? err)}`));
    security.on('authFailure', (f) => {
      emit(authFailureMsg(f));
      // One line per address when it starts failing and when it gets banned; the rest at debug level.
      const line = t('mqtt-embedded-broker.log.auth-failure', { clientId: f.clientId, username: f.username ?? '-', address: f.remoteAddress, reason: f.reason });
      if (f.failures === 1 || f.bannedUntil !== undefined) node.warn(line);
      else node.debug(line);
    });
    if (publishOutput) {
      broker.on('publish', (m, client) => {
        if (!m.topic.startsWith('$SYS/')) node.send([null, publishMsg(m, client)]);
      });
    }
  }

  private fail(text: string, where: string): void {
    this.ctx.node.error(text);
    this.problems.push(text);
    this.status({ fill: 'red', shape: 'ring', text: where === 'start' ? text : this.problems.join(' · ') });
  }

  private showStatus(): void {
    const broker = this.broker;
    if (!broker || this.closing) return;
    const stats: BrokerStats = broker.stats;
    const now = Date.now();
    const last = this.lastStats;
    const rate = last && now > last.at ? (stats.messagesIn - last.messages) / ((now - last.at) / 1000) : 0;
    this.lastStats = { at: now, messages: stats.messagesIn };
    const text = this.ctx.t('mqtt-embedded-broker.status.running', { clients: broker.clients().length, rate: Math.round(rate) });
    if (this.problems.length > 0) this.status({ fill: 'red', shape: 'ring', text: `${this.problems[0]} · ${text}` });
    else this.status({ fill: 'green', shape: 'dot', text });
  }

  private status(s: NodeStatus): void {
    const key = JSON.stringify(s);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.ctx.node.status(s);
  }

  /** Stops everything; resolves when ports are free and state is on disk. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    for (const m of this.memory.splice(0)) m.close();
    for (const socket of this.waiting.splice(0)) socket.destroy();
    await this.ready;
    this.sys?.stop();
    await this.broker?.close();
    await this.persistence?.close();
    this.ctx.node.status({});
  }
}

let version: string | undefined;

/** The package version for $SYS/broker/version (the bundle nodes/mqtt-kit.js sits below package.json). */
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String((JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'dev');
    } catch {
      version = 'dev';
    }
  }
  return version;
}
