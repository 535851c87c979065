// The importable examples (examples/*.json): each is documented by a comment node, uses only our nodes and
// core nodes, and runs. An example that needs a broker brings an embedded one and runs as imported (loaded
// unchanged, its mqtt nodes connect in-process and a message goes through); one about connecting to a
// broker of your own (TLS) says so in its comment, and is pointed at a test broker only to load.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { flowSuite, helper, mqttKit, nextInput, statusOf } from './flow-helpers';

const root = join(__dirname, '..', '..');
const dir = join(root, 'examples');
const CLIENT_NODES = new Set(['mqtt-in', 'mqtt-out', 'mqtt-rpc']);

/** Core node modules the examples use, from the Node-RED under test. */
function coreNodes(): unknown[] {
  const nodeRed = process.env.MQTT_KIT_NODE_RED ?? dirname(require.resolve('node-red/package.json'));
  const base = dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRed] }));
  return ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'function/10-function.js', 'network/05-tls.js']
    .map((f) => require(join(base, 'core', f)));
}

type Node = Record<string, any> & { id: string; type: string };

const read = (file: string): Node[] => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/** The in-process addresses an embedded broker node listens on (memory://<id>, memory://<name slug>). */
function memoryAddresses(broker: Node): string[] {
  const slug = String(broker.name ?? '').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return [`memory://${broker.id.toLowerCase()}`, ...(slug ? [`memory://${slug}`] : [])];
}

interface RoundTrip {
  /** First press this inject and wait for the debug node fed by its Complete node (a confirmed subscribe). */
  first?: { inject: string; confirmed: string };
  /** Then press this inject; `sink` (a debug node) must get a message on `topic`. */
  inject: string;
  sink: string;
  topic: string;
}

/** How each example that brings its own broker is checked: its injects, and the message that must arrive. */
const ROUND_TRIPS: Record<string, RoundTrip> = {
  '01 publish and subscribe.json': { inject: 'ex1.json', sink: 'ex1.show', topic: 'example/json' },
  '02 dynamic subscriptions.json': {
    first: { inject: 'ex2.sub', confirmed: 'ex2.donedbg' }, inject: 'ex2.pub1', sink: 'ex2.show', topic: 'rooms/kitchen/temperature',
  },
  '03 persistent session with file store.json': { inject: 'ex3.pub', sink: 'ex3.show', topic: 'plant/line1/count' },
};

/** The debug nodes a round trip watches (they become helper nodes). */
const watched = new Set(Object.values(ROUND_TRIPS).flatMap((r) => [r.sink, ...(r.first ? [r.first.confirmed] : [])]));

describe('examples', function () {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  // The user directory holds the examples' file stores and broker persistence.
  const b = flowSuite({ broker: {}, userDir: 'mqtt-kit-examples-' }).broker;

  it('has the four examples of the nodes issue', () => {
    for (const name of ['publish and subscribe', 'dynamic subscriptions', 'persistent session with file store', 'TLS']) {
      assert.ok(files.some((f) => f.includes(name)), name);
    }
  });

  it('every example that needs a broker brings an embedded one its config nodes reach in-process, or says it is about your own', () => {
    for (const file of files) {
      const flow = read(file);
      const brokers = flow.filter((n) => n.type === 'mqtt-embedded-broker').flatMap(memoryAddresses);
      const about = String(flow.find((n) => n.type === 'comment')?.info ?? '');
      for (const cfg of flow.filter((n) => n.type === 'mqtt-broker-config')) {
        if (brokers.includes(String(cfg.broker))) continue;
        assert.match(about, /a broker of your own/, `${file}: ${cfg.name} (${cfg.broker}) needs a broker the example does not bring`);
      }
    }
  });

  for (const file of files.filter((f) => /^0[1-4] /.test(f))) {
    it(`${file}: documented, and its nodes start and connect`, async () => {
      const flow = read(file);
      const about = flow.find((n) => n.type === 'comment');
      assert.ok(about && String(about.info).length > 200, 'a comment node explains the example');
      const own = flow.some((n) => n.type === 'mqtt-embedded-broker');
      const tls = flow.some((n) => n.type === 'mqtt-broker-config' && n.usetls);
      const tab = { id: 'example-tab', type: 'tab', label: file };
      const nodes = flow.map((n) => {
        const copy: Node = { ...n };
        if (copy.type !== 'mqtt-broker-config' && copy.type !== 'tls-config') copy.z = tab.id;
        if (copy.type === 'debug' && watched.has(copy.id)) {
          return { id: copy.id, type: 'helper', z: tab.id, x: copy.x, y: copy.y, wires: [] };
        }
        // Without a broker of its own, the example is pointed at the test broker (TLS: left as is, it only has to load).
        if (!own && !tls && copy.type === 'mqtt-broker-config') copy.port = b.port;
        return copy;
      });
      await helper.load([mqttKit(), ...coreNodes()], [tab, ...nodes]);
      for (const n of nodes.filter((x) => CLIENT_NODES.has(x.type))) {
        const node = helper.getNode(n.id);
        assert.ok(node, `${n.type} ${n.id} started`);
        if (!tls) await statusOf(node, (s) => s.fill === 'green');
        else await statusOf(node, (s) => s.fill === 'yellow' || s.fill === 'red');
      }
      const trip = ROUND_TRIPS[file];
      assert.equal(trip !== undefined, own, 'every example with a broker of its own has a round trip here');
      if (!trip) return;
      if (trip.first) {
        const confirmed = nextInput(helper.getNode(trip.first.confirmed));
        helper.getNode(trip.first.inject).receive({});
        await confirmed;
      }
      const arrived = nextInput(helper.getNode(trip.sink), (m) => m.topic === trip.topic);
      helper.getNode(trip.inject).receive({});
      await arrived;
    });
  }
});
