// The editor side of the built package (nodes/mqtt-kit.html and the catalog): every type registers with
// the documented defaults, validators accept and refuse what they should (with a message on Node-RED >= 3.1),
// and every i18n key the HTML and the runtime use exists in the catalog.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { ERROR_CODES, errorKey } from '../../src/nodes/shared/errors';
import { REASON_CODES, reasonForCode } from '../../src/nodes/shared/reasons';
import { STATUS } from '../../src/nodes/shared/status';

const root = join(__dirname, '..', '..');
const htmlFile = join(root, 'nodes', 'mqtt-kit.html');
const catalogFile = join(root, 'nodes', 'locales', 'en-US', 'mqtt-kit.json');

type Validate = (this: Record<string, unknown>, v: unknown, opt?: object) => true | false | string;
interface Def {
  category: string;
  defaults: Record<string, { value?: unknown; type?: string; required?: boolean; validate?: Validate }>;
  credentials?: Record<string, { type: string }>;
  icon?: string;
  inputs?: number;
  outputs?: number;
  paletteLabel?: unknown;
  label: (this: Record<string, unknown>) => string;
  _: (key: string) => string;
}

function built(): { html: string; catalog: Record<string, unknown> } {
  assert.ok(existsSync(htmlFile), 'run `npm run build` first (npm test does)');
  return { html: readFileSync(htmlFile, 'utf8'), catalog: JSON.parse(readFileSync(catalogFile, 'utf8')) };
}

/** Runs the editor scripts against a stub RED, as the editor does at load time. */
function registeredTypes(html: string): Map<string, Def> {
  const types = new Map<string, Def>();
  const RED = {
    nodes: {
      registerType(type: string, def: Def) {
        def._ = (key: string) => key;
        types.set(type, def);
      },
      node: () => null,
    },
    _: (key: string) => key,
  };
  // Outside an open dialog no form element exists: jQuery lookups find nothing.
  const $ = () => ({ length: 0, val: () => undefined, is: () => false });
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  assert.ok(scripts.length >= 3);
  const context = vm.createContext({ RED, $ });
  for (const s of scripts) vm.runInContext(s, context);
  return types;
}

/** Plain copies: objects made inside the vm context have other prototypes than this realm's. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

function defaultsOf(def: Def): unknown {
  return plain(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.type ? { type: d.type } : d.value])));
}

function keyExists(catalog: Record<string, unknown>, key: string): boolean {
  let node: unknown = catalog;
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object' || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string';
}

describe('editor: registered types and defaults (nodes/mqtt-kit.html)', () => {
  const { html } = built();
  const types = registeredTypes(html);

  it('registers the config node and both palette nodes in category "mqtt kit" with our icons', () => {
    assert.deepEqual([...types.keys()].slice(0, 3), ['mqtt-broker-config', 'mqtt-in', 'mqtt-out']);
    assert.equal(types.get('mqtt-broker-config')!.category, 'config');
    for (const t of ['mqtt-in', 'mqtt-out']) {
      assert.equal(types.get(t)!.category, 'mqtt kit');
      assert.match(String(types.get(t)!.icon), /^mqtt-kit-(in|out)\.svg$/);
      assert.ok(existsSync(join(root, 'nodes', 'icons', String(types.get(t)!.icon))), `icon of ${t} is built`);
    }
    assert.equal(types.get('mqtt-in')!.outputs, 1);
    assert.equal(types.get('mqtt-out')!.inputs, 1);
    assert.equal(types.get('mqtt-out')!.outputs, 0);
  });

  it('mqtt-broker-config: core\'s property names and our defaults', () => {
    const def = types.get('mqtt-broker-config')!;
    assert.deepEqual(plain(def.credentials), { user: { type: 'text' }, password: { type: 'password' } });
    assert.deepEqual(defaultsOf(def), {
      name: '', broker: '', port: 1883, tls: { type: 'tls-config' }, usetls: false, protocolVersion: 5, clientid: '',
      keepalive: 60, connectTimeout: 30, cleansession: true, sessionExpiry: 0, autoConnect: true,
      birthTopic: '', birthQos: '0', birthRetain: 'false', birthPayload: '', birthMsg: {},
      closeTopic: '', closeQos: '0', closeRetain: 'false', closePayload: '', closeMsg: {},
      willTopic: '', willQos: '0', willRetain: 'false', willPayload: '', willMsg: {},
      store: 'memory', queueMaxMessages: 10000, queueMaxMB: 64, qos0Offline: 'queue',
      reconnectMin: 1, reconnectMax: 60, reconnectFactor: 2,
      userProps: '', receiveMaximum: '', maximumPacketSize: '', topicAliasMaximum: 0,
      requestProblemInformation: true, requestResponseInformation: true,
    });
    assert.equal(def.defaults.broker!.required, true);
  });

  it('mqtt-in and mqtt-out: core\'s property names and defaults', () => {
    assert.deepEqual(defaultsOf(types.get('mqtt-in')!), {
      name: '', broker: { type: 'mqtt-broker-config' }, topic: '', qos: '2', datatype: 'auto-detect', nl: false, rap: true, rh: 0, inputs: 0,
    });
    assert.deepEqual(defaultsOf(types.get('mqtt-out')!), {
      name: '', broker: { type: 'mqtt-broker-config' }, topic: '', qos: '', retain: '', respTopic: '', correl: '', contentType: '', expiry: '', userProps: '',
    });
  });

  it('labels fall back sensibly and differ from core\'s', () => {
    const cfg = types.get('mqtt-broker-config')!;
    assert.equal(cfg.label.call({ broker: 'b.local', port: 1884, clientid: 'nr1' }), 'nr1@b.local:1884');
    assert.equal(cfg.label.call({ broker: 'mqtts://b.example', port: 1883 }), 'mqtts://b.example');
    assert.equal(cfg.label.call({ name: 'plant', broker: 'x' }), 'plant');
    const inDef = types.get('mqtt-in')!;
    assert.equal(inDef.label.call({ topic: 'a/#', _: inDef._ }), 'a/#');
    assert.equal(inDef.label.call({ topic: '', inputs: 1, _: inDef._ }), 'mqtt-in.label.dynamic');
  });

  describe('validators', () => {
    /** Calls a validator as Node-RED >= 3.1 does (with an options argument, so it answers with a message). */
    const v = (type: string, prop: string, value: unknown, node: Record<string, unknown> = {}) =>
      types.get(type)!.defaults[prop]!.validate!.call(node, value, {});

    it('server: a host, an IP, [IPv6], a known URL scheme or ${ENV}', () => {
      for (const ok of ['localhost', '10.0.0.5', 'broker-1.example.com', '::1', '[fe80::1]', 'mqtts://h:8883', 'ws://h/mqtt', '${MQTT_HOST}']) {
        assert.equal(v('mqtt-broker-config', 'broker', ok), true, ok);
      }
      for (const bad of ['', 'ftp://h', 'two words', 'h/path']) assert.equal(typeof v('mqtt-broker-config', 'broker', bad), 'string', bad);
    });
    it('answers false instead of a message on Node-RED 3.0 (no opt argument)', () => {
      assert.equal(types.get('mqtt-broker-config')!.defaults.broker!.validate!.call({}, ''), false);
      assert.equal(types.get('mqtt-in')!.defaults.topic!.validate!.call({}, 'a/#/b'), false);
    });
    it('port is ignored for a URL and checked for a host', () => {
      assert.equal(v('mqtt-broker-config', 'port', 'x', { broker: 'mqtt://h' }), true);
      assert.equal(typeof v('mqtt-broker-config', 'port', 70000, { broker: 'h' }), 'string');
      assert.equal(v('mqtt-broker-config', 'port', 8883, { broker: 'h' }), true);
    });
    it('a persistent session needs a client id; MQTT 3.1 ids have at most 23 characters', () => {
      assert.equal(typeof v('mqtt-broker-config', 'clientid', '', { cleansession: false }), 'string');
      assert.equal(v('mqtt-broker-config', 'clientid', '', { cleansession: true }), true);
      assert.equal(typeof v('mqtt-broker-config', 'clientid', 'x'.repeat(24), { protocolVersion: '3' }), 'string');
      assert.equal(v('mqtt-broker-config', 'clientid', 'x'.repeat(24), { protocolVersion: '5' }), true);
    });
    it('numbers in range, user properties as a JSON object, birth/will topics without wildcards', () => {
      assert.equal(typeof v('mqtt-broker-config', 'keepalive', 70000), 'string');
      assert.equal(v('mqtt-broker-config', 'keepalive', '30'), true);
      assert.equal(v('mqtt-broker-config', 'receiveMaximum', ''), true);
      assert.equal(typeof v('mqtt-broker-config', 'receiveMaximum', '0'), 'string');
      assert.equal(typeof v('mqtt-broker-config', 'userProps', '[1]'), 'string');
      assert.equal(v('mqtt-broker-config', 'userProps', '{"a":"b"}'), true);
      assert.equal(typeof v('mqtt-broker-config', 'willTopic', 'a/#'), 'string');
      assert.equal(typeof v('mqtt-broker-config', 'willMsg', { expiry: 'soon' }), 'string');
      assert.equal(v('mqtt-broker-config', 'willMsg', { expiry: '60', delay: '5', userProps: '{"a":"1"}' }), true);
      assert.equal(typeof v('mqtt-broker-config', 'reconnectMax', 0.5, { reconnectMin: 2 }), 'string');
    });
    it('mqtt-in topic filters: wildcards placed right, $share with a group; anything in dynamic mode', () => {
      for (const ok of ['a/b', 'a/+/c', '#', 'a/#', '$share/g/a/+', '+']) assert.equal(v('mqtt-in', 'topic', ok), true, ok);
      for (const bad of ['', 'a/#/b', 'a+', '$share/g', '$share//a', '$share/g+/a']) assert.equal(typeof v('mqtt-in', 'topic', bad), 'string', bad);
      assert.equal(v('mqtt-in', 'topic', '', { inputs: 1 }), true);
    });
    it('mqtt-out topic names: blank (from msg) or without wildcards; expiry whole seconds', () => {
      assert.equal(v('mqtt-out', 'topic', ''), true);
      assert.equal(typeof v('mqtt-out', 'topic', 'a/+'), 'string');
      assert.equal(typeof v('mqtt-out', 'expiry', '1.5'), 'string');
      assert.equal(v('mqtt-out', 'expiry', '60'), true);
      assert.equal(typeof v('mqtt-out', 'userProps', 'x'), 'string');
    });
  });
});

describe('editor: help and message catalog', () => {
  const { html, catalog } = built();

  it('has help for every type', () => {
    for (const t of ['mqtt-broker-config', 'mqtt-in', 'mqtt-out']) {
      assert.match(html, new RegExp(`data-help-name="${t}"`), t);
      assert.match(html, new RegExp(`data-template-name="${t}"`), t);
    }
  });

  it('every data-i18n key and every key the editor code translates exists in the catalog', () => {
    const keys = new Set<string>();
    for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) for (const k of m[1]!.split(';')) keys.add(k.replace(/^\[[a-z]+\]/, ''));
    for (const m of html.matchAll(/(?:\bt|this\._)\('((?:mqtt-[a-z-]+)\.[A-Za-z0-9.-]+)'/g)) keys.add(m[1]!);
    // Keys built from a prefix in the editor code, listed here so that they are checked too.
    for (const k of ['connection', 'security', 'messages', 'session', 'advanced']) keys.add(`mqtt-broker-config.tabs.${k}`);
    for (const k of ['contentType', 'respTopic', 'correl', 'expiry', 'userProps', 'delay']) keys.add(`mqtt-broker-config.label.${k}`);
    for (const k of ['session-clean', 'session-needs-id', 'session-v5-no-expiry', 'session-persistent-file', 'session-persistent-memory', 'store-file', 'store-memory']) {
      keys.add(`mqtt-broker-config.tip.${k}`);
    }
    for (const k of ['empty', 'null', 'share', 'hash', 'plus']) keys.add(`mqtt-in.validation.${k}`);
    for (const k of [...keys]) if (k.endsWith('.')) keys.delete(k);
    assert.ok(keys.size > 60, `found ${keys.size} keys`);
    const missing = [...keys].filter((k) => !k.startsWith('node-red:') && !keyExists(catalog, k));
    assert.deepEqual(missing, []);
  });

  it('every catalog key the runtime uses exists (literal keys in src/nodes)', () => {
    const dir = join(root, 'src', 'nodes');
    const keys = new Set<string>();
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.ts')) {
          for (const m of readFileSync(join(d, e.name), 'utf8').matchAll(/'((?:mqtt-kit|mqtt-in|mqtt-out|mqtt-broker-config)\.[a-z0-9-]+\.[a-z0-9.-]+)'/g)) keys.add(m[1]!);
        }
      }
    };
    walk(dir);
    for (const code of ERROR_CODES) keys.add(errorKey(code));
    for (const code of REASON_CODES) keys.add(reasonForCode(code).key);
    for (const n of [1, 2, 3, 4, 5]) keys.add(reasonForCode(n, { connack: true }).key);
    for (const s of Object.values(STATUS)) keys.add(s.key);
    for (const k of ['connected', 'resumed', 'down']) keys.add(`mqtt-broker-config.log.${k}`);
    const missing = [...keys].filter((k) => !keyExists(catalog, k));
    assert.deepEqual(missing, []);
  });
});
