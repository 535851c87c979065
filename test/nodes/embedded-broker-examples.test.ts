// The embedded broker examples run as shipped: examples/embedded-broker.json (in-process config node,
// injecting into the broker, actions, $SYS) and examples/embedded-broker-secure.json (TLS only, users,
// ACL, persistence; certificate paths and passwords filled in here, as its read-me asks the user to).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { hasOpenssl, makePki, type Pki } from '../client/helpers/pki';
import { freePort } from '../free-port';
import { flowSuite, helper, mqttKit, nextInput, statusOf } from './flow-helpers';

type FlowNode = Record<string, any> & { id: string; type: string };

const examples = join(__dirname, '..', '..', 'examples');

function coreNodes(): unknown[] {
  const nodeRed = process.env.MQTT_KIT_NODE_RED ?? dirname(require.resolve('node-red/package.json'));
  const base = dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRed] }));
  return ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'network/05-tls.js'].map((f) => require(join(base, 'core', f)));
}

/** The example on a tab, with `patch` applied per node; debug nodes become helper nodes so tests see msgs. */
function load(file: string, patch: (n: FlowNode) => FlowNode = (n) => n): FlowNode[] {
  const flow = JSON.parse(readFileSync(join(examples, file), 'utf8')) as FlowNode[];
  const tab: FlowNode = { id: 'tab', type: 'tab', label: file };
  return [tab, ...flow.map((n) => {
    const copy = patch({ ...n });
    if (!['mqtt-broker-config', 'tls-config'].includes(copy.type)) copy.z = tab.id;
    if (copy.type === 'debug') return { id: copy.id, type: 'helper', z: tab.id, x: copy.x, y: copy.y, wires: [] };
    return copy;
  })];
}

describe('embedded broker examples', function () {
  flowSuite({ userDir: 'mqtt-kit-ebx-' });

  it('embedded-broker.json: flows connect in-process, publish through the broker, inject into it and ask it for clients', async () => {
    const port = await freePort();
    const flow = load('embedded-broker.json', (n) => (n.type === 'mqtt-embedded-broker' ? { ...n, port } : n));
    assert.ok(String(flow.find((n) => n.type === 'comment')!.info).length > 200);
    await helper.load([mqttKit(), ...coreNodes()], flow);
    await statusOf(helper.getNode('ebx.in'), (s) => s.fill === 'green');
    const show = helper.getNode('ebx.show');
    const timed = nextInput(show, (m) => m.topic === 'example/time');
    helper.getNode('ebx.tick').receive({});
    assert.ok((await timed).payload > 0, 'the inject -> mqtt-out -> broker -> mqtt-in path');
    const direct = nextInput(show, (m) => m.topic === 'example/direct');
    helper.getNode('ebx.direct').receive({});
    assert.deepEqual((await direct).payload, { from: 'the flow' });
    const answer = nextInput(helper.getNode('ebx.events'), (m) => m.action === 'clients');
    helper.getNode('ebx.clients').receive({});
    assert.deepEqual((await answer).payload.map((c: any) => c.listener), ['memory']);
    // Other programs use TCP on the bind address.
    const outside = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    await outside.endAsync();
  });

  describe('embedded-broker-secure.json', () => {
    let pki: Pki;
    before(function () {
      if (!hasOpenssl()) this.skip();
      pki = makePki();
    });
    after(() => pki?.cleanup());

    it('TLS only, users and ACL: the in-process flow logs in as "flows"; a device writes only its own topics', async () => {
      const port = await freePort();
      const flow = load('embedded-broker-secure.json', (n) => {
        if (n.type === 'mqtt-embedded-broker') return { ...n, host: '127.0.0.1', tlsPort: port };
        if (n.type === 'tls-config') return { ...n, cert: pki.files.serverCert, key: pki.files.serverKey, ca: pki.files.ca };
        return n;
      });
      await helper.load([mqttKit(), ...coreNodes()], flow, {
        'ebs.broker': { users: JSON.stringify([{ username: 'flows', password: 'flow-secret' }, { username: 'sensor-1', password: 'device-secret' }]) },
        'ebs.cfg': { user: 'flows', password: 'flow-secret' },
      });
      await statusOf(helper.getNode('ebs.in'), (s) => s.fill === 'green');
      const url = `mqtts://localhost:${port}`;
      await assert.rejects(mqtt.connectAsync(url, { ca: pki.ca, reconnectPeriod: 0 }), /Not authorized/i, 'anonymous refused');
      const device = await mqtt.connectAsync(url, { ca: pki.ca, username: 'sensor-1', password: 'device-secret', protocolVersion: 5, reconnectPeriod: 0 });
      try {
        const data = nextInput(helper.getNode('ebs.show'));
        await device.publishAsync('devices/sensor-1/temp', '21.5', { qos: 1 });
        assert.deepEqual([(await data).topic, (await data).payload], ['devices/sensor-1/temp', 21.5]);
        await assert.rejects(device.publishAsync('devices/sensor-2/temp', 'forged', { qos: 1 }), /Not authorized|135/);
        await device.subscribeAsync('commands/sensor-1/#', { qos: 1 });
        const command = new Promise<string>((r) => device.once('message', (t, p) => r(`${t} ${p}`)));
        helper.getNode('ebs.cmd').receive({});
        assert.equal(await command, 'commands/sensor-1/led on');
      } finally {
        await device.endAsync();
      }
      // A device certificate's CN is its user name: the "client" certificate may write devices/client/#.
      const byCert = await mqtt.connectAsync(url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key, protocolVersion: 5, reconnectPeriod: 0 });
      const data = nextInput(helper.getNode('ebs.show'));
      await byCert.publishAsync('devices/client/state', 'ok', { qos: 1 });
      assert.equal((await data).topic, 'devices/client/state');
      await byCert.endAsync();
    });
  });
});
