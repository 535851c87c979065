// examples/rpc-http-endpoint.json runs: loaded into Node-RED with its core nodes (http in/response,
// function, catch), pointed at the test broker, a real HTTP GET is answered through MQTT request/response,
// and a failing service comes back as an HTTP error with the RPC outcome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { helper, mqttKit, startBroker, statusOf, type TestBroker } from './flow-helpers';
import { coreNodes, FUNCTION_NODE, loadDedupingCoreNodes } from '../rpc/node-flows';

const file = join(__dirname, '..', '..', 'examples', 'rpc-http-endpoint.json');

describe('examples: rpc-http-endpoint.json', function () {
  let b: TestBroker;
  let server: http.Server | undefined;

  before(async () => {
    b = await startBroker();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await b.close();
  });
  afterEach(async () => {
    await helper.unload();
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('is documented, uses our nodes and core nodes only, and answers GET /rpc/add through MQTT', async () => {
    const flow: Array<Record<string, any>> = JSON.parse(readFileSync(file, 'utf8'));
    const about = flow.find((n) => n.type === 'comment');
    assert.ok(about && String(about.info).length > 300, 'a comment node explains the example');
    const types = new Set(flow.map((n) => n.type));
    assert.deepEqual([...types].sort(), ['catch', 'comment', 'function', 'http in', 'http response', 'mqtt-broker-config', 'mqtt-rpc']);

    let nodeApp: http.RequestListener | undefined;
    const captureHttpNode = (RED: { httpNode: http.RequestListener }) => void (nodeApp = RED.httpNode);
    const tab = { id: 'rpcx.tab', type: 'tab', label: 'example' };
    const nodes = flow.map((n) => (n.type === 'mqtt-broker-config' ? { ...n, broker: '127.0.0.1', port: b.port } : { ...n, z: tab.id }));
    const modules = [mqttKit(), captureHttpNode, ...coreNodes([FUNCTION_NODE, 'network/21-httpin.js', 'common/90-comment.js'])];
    await loadDedupingCoreNodes(helper, () => helper.load(modules, [tab, ...nodes])); // two Catch nodes
    await statusOf(helper.getNode('rpcx.req'), (s) => s.fill === 'green');
    await b.subscribed('demo/calc/add');
    assert.ok(nodeApp, 'http in registered on RED.httpNode');
    server = http.createServer(nodeApp);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const ok = await fetch(`${base}/rpc/add?a=2&b=3`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { sum: 5 });

    const bad = await fetch(`${base}/rpc/add?a=x&b=3`);
    assert.equal(bad.status, 502);
    const body = (await bad.json()) as { code: string; retrySafe: boolean };
    assert.equal(body.code, 'RPC_ERROR_REPLY');
    assert.equal(body.retrySafe, false, 'the broker had the request: not safe to blindly retry');
  });
});
