// The mqtt-rpc editor in the built package (nodes/mqtt-kit.html + catalog): defaults, mode-dependent
// validation, labels and ports, help, and every catalog key the editor and the runtime use.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

const root = join(__dirname, '..', '..');
type Validate = (this: Record<string, unknown>, v: unknown, opt?: object) => true | false | string;
interface Def {
  category: string;
  defaults: Record<string, { value?: unknown; type?: string; required?: boolean; validate?: Validate }>;
  icon: string;
  inputs: number;
  outputs: number;
  label: (this: Record<string, unknown>) => string;
  outputLabels: (this: Record<string, unknown>, i: number) => string;
  inputLabels: (this: Record<string, unknown>) => string;
  _: (key: string, subs?: Record<string, unknown>) => string;
}

function load(): { def: Def; html: string; catalog: Record<string, any> } {
  const htmlFile = join(root, 'nodes', 'mqtt-kit.html');
  assert.ok(existsSync(htmlFile), 'run `npm run build` first (npm test does)');
  const html = readFileSync(htmlFile, 'utf8');
  const catalog = JSON.parse(readFileSync(join(root, 'nodes', 'locales', 'en-US', 'mqtt-kit.json'), 'utf8'));
  let def: Def | undefined;
  const RED = {
    nodes: {
      registerType(type: string, d: Def) {
        d._ = (key, subs) => `${key}${subs ? JSON.stringify(subs) : ''}`;
        if (type === 'mqtt-rpc') def = d;
      },
      node: () => null,
    },
    _: (key: string) => key,
  };
  const $ = () => ({ length: 0, val: () => undefined, is: () => false });
  const context = vm.createContext({ RED, $ });
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) vm.runInContext(m[1]!, context);
  assert.ok(def, 'mqtt-rpc registers');
  return { def, html, catalog };
}

function has(catalog: Record<string, any>, key: string): boolean {
  let node: any = catalog;
  for (const part of key.split('.')) node = node?.[part];
  return typeof node === 'string';
}

describe('editor: mqtt-rpc', () => {
  const { def, html, catalog } = load();
  const v = (prop: string, value: unknown, node: Record<string, unknown> = {}) => def.defaults[prop]!.validate!.call(node, value, {});

  it('is in the mqtt kit category with its own icon and the documented defaults', () => {
    assert.equal(def.category, 'mqtt kit');
    assert.equal(def.icon, 'mqtt-kit-rpc.svg');
    assert.ok(existsSync(join(root, 'nodes', 'icons', 'mqtt-kit-rpc.svg')));
    const defaults = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.type ? { type: d.type } : d.value]))));
    assert.deepEqual(defaults, {
      name: '', mode: 'request', broker: { type: 'mqtt-broker-config' }, topic: '', qos: '1', expect: 'reply', timeout: 10,
      failures: 'error', datatype: 'auto-detect', responseTopic: '', protocol: 'auto', correlation: 'auto', noResponder: 'fail',
      maxInFlight: 10000, inputs: 1, outputs: 1,
    });
  });

  it('validates by mode: a server except for reply nodes; a topic name for requests (blank = msg.topic); a filter for responders', () => {
    assert.equal(typeof v('broker', '', { mode: 'request' }), 'string');
    assert.equal(v('broker', '', { mode: 'reply' }), true);
    assert.equal(v('broker', 'cfg', { mode: 'respond' }), true);
    assert.equal(v('topic', '', { mode: 'request' }), true);
    assert.equal(typeof v('topic', 'a/+', { mode: 'request' }), 'string');
    for (const ok of ['svc/a', 'svc/+/get', 'svc/#', '$share/workers/svc/+']) assert.equal(v('topic', ok, { mode: 'respond' }), true, ok);
    for (const bad of ['', 'a/#/b', '$share/g', 'a+']) assert.equal(typeof v('topic', bad, { mode: 'respond' }), 'string', bad);
    assert.equal(typeof v('timeout', '0', { mode: 'request' }), 'string');
    assert.equal(v('timeout', '0.5', { mode: 'request' }), true);
    assert.equal(v('timeout', '', { mode: 'reply' }), true);
    assert.equal(typeof v('maxInFlight', '1.5'), 'string');
    assert.equal(v('maxInFlight', '500'), true);
    assert.equal(typeof v('responseTopic', 'r/#'), 'string');
    assert.equal(def.defaults.broker!.validate!.call({ mode: 'request' }, ''), false, 'Node-RED 3.0: no message');
  });

  it('labels and port labels follow the mode', () => {
    assert.equal(def.label.call({ mode: 'request', topic: 'svc/a', _: def._ }), 'mqtt-rpc.label.request{"topic":"svc/a"}');
    assert.equal(def.label.call({ mode: 'respond', topic: 'svc/+', _: def._ }), 'mqtt-rpc.label.respond{"topic":"svc/+"}');
    assert.equal(def.label.call({ mode: 'reply', _: def._ }), 'mqtt-rpc.label.reply');
    assert.equal(def.label.call({ name: 'mine', _: def._ }), 'mine');
    assert.equal(def.outputLabels.call({ mode: 'request', _: def._ }, 1), 'mqtt-rpc.label.output-failure');
    assert.equal(def.outputLabels.call({ mode: 'respond', _: def._ }, 0), 'mqtt-rpc.label.output-request');
    assert.equal(def.inputLabels.call({ mode: 'reply', _: def._ }), 'mqtt-rpc.label.input-reply');
  });

  it('has a template and help', () => {
    assert.match(html, /data-template-name="mqtt-rpc"/);
    assert.match(html, /data-help-name="mqtt-rpc"/);
  });

  it('every mqtt-rpc key of the editor and the runtime exists in the catalog', () => {
    const keys = new Set<string>();
    const part = html.slice(html.indexOf('<!-- mqtt-rpc/editor.html -->'), html.indexOf('<!-- mqtt-rpc/help.html -->'));
    for (const m of part.matchAll(/data-i18n="([^"]+)"/g)) for (const k of m[1]!.split(';')) keys.add(k.replace(/^\[[a-z]+\]/, ''));
    for (const m of part.matchAll(/(?:\bt|this\._)\('(mqtt-rpc\.[A-Za-z0-9.-]+)'/g)) keys.add(m[1]!);
    for (const k of ['request', 'respond']) keys.add(`mqtt-rpc.label.${k}`);
    const dir = join(root, 'src', 'nodes', 'mqtt-rpc');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/'((?:mqtt-rpc|mqtt-kit)\.[a-z0-9-]+\.[a-z0-9.-]+)'/g)) keys.add(m[1]!);
    }
    for (const k of [...keys]) if (k.endsWith('.')) keys.delete(k);
    assert.ok(keys.size > 50, `found ${keys.size} keys`);
    assert.deepEqual([...keys].filter((k) => !has(catalog, k)), []);
  });
});
