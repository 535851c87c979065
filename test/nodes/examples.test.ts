// The importable examples (examples/*.json): each is documented by a comment node, uses only our nodes and
// core nodes, and runs: loaded into Node-RED against a test broker, its mqtt nodes connect.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { helper, mqttKit, startBroker, statusOf, type TestBroker } from './flow-helpers';

const root = join(__dirname, '..', '..');
const dir = join(root, 'examples');
const OURS = new Set(['mqtt-broker-config', 'mqtt-in', 'mqtt-out']);

/** Core node modules the examples use, from the Node-RED under test. */
function coreNodes(): unknown[] {
  const nodeRed = process.env.MQTT_KIT_NODE_RED ?? dirname(require.resolve('node-red/package.json'));
  const base = dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRed] }));
  return ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'function/10-function.js', 'network/05-tls.js']
    .map((f) => require(join(base, 'core', f)));
}

type Node = Record<string, any> & { id: string; type: string };

describe('examples', function () {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  let b: TestBroker;

  before(async () => {
    b = await startBroker();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await b.close();
  });
  afterEach(() => helper.unload());

  it('has the four examples of the nodes issue', () => {
    for (const name of ['publish and subscribe', 'dynamic subscriptions', 'persistent session with file store', 'TLS']) {
      assert.ok(files.some((f) => f.includes(name)), name);
    }
  });

  for (const file of files.filter((f) => /^0[1-4] /.test(f))) {
    it(`${file}: documented, and its nodes start and connect`, async () => {
      const flow: Node[] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const about = flow.find((n) => n.type === 'comment');
      assert.ok(about && String(about.info).length > 200, 'a comment node explains the example');
      const tls = flow.some((n) => n.type === 'mqtt-broker-config' && n.usetls);
      // Point the example's broker configuration at the test broker (TLS: leave it, it only has to load).
      const tab = { id: 'example-tab', type: 'tab', label: file };
      const nodes = flow.map((n) => {
        const copy: Node = { ...n };
        if (copy.type !== 'mqtt-broker-config' && copy.type !== 'tls-config') copy.z = tab.id;
        if (copy.type === 'mqtt-broker-config' && !tls) copy.port = b.port;
        if (copy.type === 'mqtt-broker-config' && copy.store === 'file') copy.store = 'memory'; // no user dir here
        return copy;
      });
      await helper.load([mqttKit(), ...coreNodes()], [tab, ...nodes]);
      for (const n of nodes.filter((x) => OURS.has(x.type) && x.type !== 'mqtt-broker-config')) {
        const node = helper.getNode(n.id);
        assert.ok(node, `${n.type} ${n.id} started`);
        if (!tls) await statusOf(node, (s) => s.fill === 'green');
        else await statusOf(node, (s) => s.fill === 'yellow' || s.fill === 'red');
      }
    });
  }
});
