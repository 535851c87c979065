// Shared fixtures for the Node-RED node tests: the BUILT bundle loaded into node-red-node-test-helper,
// an in-process broker (src/broker) on a free loopback port, flow builders with the editor's defaults, and
// waits that resolve on events (with a timeout), never on sleeps.
//
// MQTT_KIT_NODE_RED=/path/to/node-red runs the same tests against another Node-RED (CI: 5.x on Node 22).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { Broker, type BrokerHooks, type BrokerSetup } from '../../src/broker';

const root = join(__dirname, '..', '..');
const bundle = join(root, 'nodes', 'mqtt-kit.js');

helper.init(process.env.MQTT_KIT_NODE_RED ? require.resolve(process.env.MQTT_KIT_NODE_RED) : require.resolve('node-red'));

/** The package as Node-RED loads it. */
export function mqttKit(): (red: unknown) => void {
  assert.ok(existsSync(bundle), 'run `npm run build` first (npm test does)');
  return require(bundle);
}

export { helper };

/** Flow nodes carry x/y: Node-RED treats a node without a position as a config node. */
export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** A running in-process broker on 127.0.0.1. */
export interface TestBroker {
  broker: Broker;
  port: number;
  /** Resolves once some client holds a granted subscription to `filter` (the SUBSCRIBE was processed). */
  subscribed(filter: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerSetup = {}, hooks: BrokerHooks = {}, port = 0): Promise<TestBroker> {
  const broker = new Broker(options, hooks);
  // Filters granted to clients that are connected now (test clients use clean sessions).
  const active = new Map<string, Set<string>>();
  const has = (filter: string) => [...active.values()].some((f) => f.has(filter));
  broker.on('subscribe', (c, subs) => {
    const mine = active.get(c.clientId) ?? new Set<string>();
    for (const s of subs) if (s.reasonCode < 0x80) mine.add(s.topicFilter);
    active.set(c.clientId, mine);
  });
  broker.on('unsubscribe', (c, filters) => filters.forEach((f) => active.get(c.clientId)?.delete(f)));
  broker.on('clientDisconnect', (c) => active.delete(c.clientId));
  const listener = await broker.listen({ port, host: '127.0.0.1' });
  const subscribed = (filter: string, ms = 5000): Promise<void> =>
    has(filter) ? Promise.resolve()
      : nextEvent(broker as unknown as Emitter, 'subscribe', `a subscription to ${filter}`, () => has(filter), ms).then(() => undefined);
  return { broker, port: listener.address()!.port, subscribed, close: () => broker.close() };
}

export interface FlowSuiteOptions {
  /** Start an in-process broker (startBroker) with these options and hooks before Node-RED; closed last. */
  broker?: { options?: BrokerSetup; hooks?: BrokerHooks };
  /** Give Node-RED a fresh user directory named with this prefix (file stores, persistence); removed after. */
  userDir?: string;
}

export interface FlowSuite {
  /** The suite's broker (options.broker): its fields can be read once the suite's tests run. */
  readonly broker: TestBroker;
  /** Node-RED's user directory (options.userDir), once the suite's tests run. */
  readonly userDir: string;
}

/**
 * The hooks of a describe() whose tests load flows into the test helper's Node-RED: before the tests the
 * broker and the user directory (when asked for) and the server start; the flows are unloaded after each
 * test; after the last one the server stops, the directory is removed and the broker closes.
 */
export function flowSuite(options: FlowSuiteOptions = {}): FlowSuite {
  let broker: TestBroker | undefined;
  let userDir: string | undefined;
  before(async () => {
    if (options.broker) broker = await startBroker(options.broker.options, options.broker.hooks);
    if (options.userDir !== undefined) {
      userDir = mkdtempSync(join(tmpdir(), options.userDir));
      helper.settings({ userDir });
    }
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    if (userDir !== undefined) {
      helper.settings({});
      rmSync(userDir, { recursive: true, force: true });
      userDir = undefined;
    }
    await broker?.close();
    broker = undefined;
  });
  afterEach(() => helper.unload());
  const started = (): TestBroker => broker ?? assert.fail('flowSuite: no broker (ask with options.broker; read it in tests and hooks)');
  return {
    broker: {
      get broker() { return started().broker; },
      get port() { return started().port; },
      subscribed: (filter, ms) => started().subscribed(filter, ms),
      close: () => started().close(),
    },
    get userDir() {
      return userDir ?? assert.fail('flowSuite: no user directory (ask with options.userDir; read it in tests and hooks)');
    },
  };
}

/** A broker config node with the editor's defaults (editor.html), overridden by `extra`. */
type Emitter = { on(event: string, fn: (...a: any[]) => void): void; removeListener(event: string, fn: (...a: any[]) => void): void };

export function brokerConfig(id: string, port: number, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id, type: 'mqtt-broker-config', name: '', broker: '127.0.0.1', port, usetls: false, protocolVersion: 5, clientid: '',
    keepalive: 60, connectTimeout: 30, cleansession: true, sessionExpiry: 0, autoConnect: true,
    birthTopic: '', birthQos: '0', birthRetain: 'false', birthPayload: '', birthMsg: {},
    closeTopic: '', closeQos: '0', closeRetain: 'false', closePayload: '', closeMsg: {},
    willTopic: '', willQos: '0', willRetain: 'false', willPayload: '', willMsg: {},
    store: 'memory', queueMaxMessages: 10000, queueMaxMB: 64, qos0Offline: 'queue',
    reconnectMin: 0.1, reconnectMax: 0.5, reconnectFactor: 2,
    userProps: '', receiveMaximum: '', maximumPacketSize: '', topicAliasMaximum: 0,
    requestProblemInformation: true, requestResponseInformation: true, ...extra,
  };
}

export function mqttIn(id: string, broker: string, topic: string, wires: string[], extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: 'mqtt-in', z: 'f1', x: 0, y: 0, name: '', topic, qos: '2', datatype: 'auto-detect', broker, nl: false, rap: true, rh: 0, inputs: 0, wires: [wires], ...extra };
}

export function mqttOut(id: string, broker: string, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id, type: 'mqtt-out', z: 'f1', x: 0, y: 0, name: '', topic: '', qos: '', retain: '', respTopic: '', correl: '', contentType: '', expiry: '',
    userProps: '', broker, wires: [], ...extra,
  };
}

export function sink(id: string): FlowNode {
  return { id, type: 'helper', z: 'f1', x: 0, y: 0, wires: [] };
}

export function catchAll(id: string, wires: string[]): FlowNode {
  return { id, type: 'catch', z: 'f1', x: 0, y: 0, name: '', scope: null, uncaught: false, wires: [wires] };
}

export function completeOf(id: string, scope: string[], wires: string[]): FlowNode {
  return { id, type: 'complete', z: 'f1', x: 0, y: 0, name: '', scope, uncaught: false, wires: [wires] };
}

export const TAB: FlowNode = { id: 'f1', type: 'tab', label: 'test' };


/** Resolves with the next `event` of `emitter` that satisfies `match`; rejects after `ms`. */
export function nextEvent<T = any>(emitter: Emitter, event: string, what: string, match: (v: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, on);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const on = (v: T) => {
      if (!match(v)) return;
      clearTimeout(timer);
      emitter.removeListener(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}

/** The next msg a helper node receives (optionally the next that matches). */
export function nextInput(node: Emitter, match: (msg: any) => boolean = () => true, ms = 5000): Promise<any> {
  return nextEvent(node, 'input', 'a message', match, ms);
}

/** Collects `count` messages on a helper node. */
export function collect(node: Emitter, count: number, ms = 5000): Promise<any[]> {
  const got: any[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeListener('input', on);
      reject(new Error(`timed out after ${ms} ms with ${got.length} of ${count} messages`));
    }, ms);
    const on = (msg: any) => {
      got.push(msg);
      if (got.length < count) return;
      clearTimeout(timer);
      node.removeListener('input', on);
      resolve(got);
    };
    node.on('input', on);
  });
}

/** Resolves when a node's status (as set through the test helper's spy) satisfies `match`. */
export function statusOf(node: Emitter, match: (s: { fill?: string; shape?: string; text?: string }) => boolean, ms = 5000): Promise<{ fill?: string; shape?: string; text?: string }> {
  // The helper's spy sits on Node.prototype: pick this node's own latest call.
  const calls = (node as unknown as { status: { getCalls?(): Array<{ thisValue: unknown; args: unknown[] }> } }).status?.getCalls?.() ?? [];
  const mine = calls.filter((c) => c.thisValue === node);
  const current = mine[mine.length - 1]?.args[0] as { text?: string } | undefined;
  if (current && match(current)) return Promise.resolve(current);
  return nextEvent(node, 'call:status', 'a status', (call: { args: [any] }) => match(call.args[0]), ms).then((call: { args: [any] }) => call.args[0]);
}

/** Resolves after the broker has seen `clientId`-less connections reach `count` connected clients. */
export function clientCount(b: TestBroker, count: number, ms = 5000): Promise<void> {
  if (b.broker.clients().length === count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      b.broker.off('clientConnect', check);
      b.broker.off('clientDisconnect', check);
      reject(new Error(`broker has ${b.broker.clients().length} clients, expected ${count}`));
    }, ms);
    const check = () => {
      // clientDisconnect fires before the connection leaves the list: look again on the next turn.
      setImmediate(() => {
        if (b.broker.clients().length !== count) return;
        clearTimeout(timer);
        b.broker.off('clientConnect', check);
        b.broker.off('clientDisconnect', check);
        resolve();
      });
    };
    b.broker.on('clientConnect', check);
    b.broker.on('clientDisconnect', check);
  });
}
