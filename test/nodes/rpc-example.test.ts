// examples/rpc-http-endpoint.json runs as imported: loaded into Node-RED with its core nodes (http in/response,
// function, catch) and its own embedded broker (reached in-process), a real HTTP GET is answered through
// MQTT request/response, and a failing service comes back as an HTTP error with the RPC outcome.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { flowSuite, helper, mqttKit, nextEvent, statusOf } from './flow-helpers';
import { coreNodes, FUNCTION_NODE, loadDedupingCoreNodes } from '../rpc/node-flows';

const file = join(__dirname, '..', '..', 'examples', 'rpc-http-endpoint.json');

describe('examples: rpc-http-endpoint.json', function () {
  let server: http.Server | undefined;

  flowSuite();
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('is documented, uses our nodes and core nodes only, and answers GET /rpc/add through MQTT', async () => {
    const flow: Array<Record<string, any>> = JSON.parse(readFileSync(file, 'utf8'));
    const about = flow.find((n) => n.type === 'comment');
    assert.ok(about && String(about.info).length > 300, 'a comment node explains the example');
    const types = new Set(flow.map((n) => n.type));
    assert.deepEqual([...types].sort(), ['catch', 'comment', 'function', 'http in', 'http response', 'mqtt-broker-config', 'mqtt-embedded-broker', 'mqtt-rpc']);
    const broker = flow.find((n) => n.type === 'mqtt-embedded-broker')!;
    assert.equal(broker.tcp, false, 'in-process only: importing it opens no port');
    assert.equal(flow.find((n) => n.type === 'mqtt-broker-config')!.broker, 'memory://rpc-example-broker', 'reaches the embedded broker by its name');

    let nodeApp: http.RequestListener | undefined;
    const captureHttpNode = (RED: { httpNode: http.RequestListener }) => void (nodeApp = RED.httpNode);
    const tab = { id: 'rpcx.tab', type: 'tab', label: 'example' };
    // As shipped, except that the broker's events output feeds a recorder (from its creation on, so no event is
    // missed), to see the responder's subscription granted before the first request.
    const events = new EventEmitter();
    const seen: any[] = [];
    const recorder = (RED: any) => RED.nodes.registerType('event-recorder', function (this: any, config: any) {
      RED.nodes.createNode(this, config);
      this.on('input', (msg: any) => {
        seen.push(msg);
        events.emit('event', msg);
      });
    });
    const nodes = flow.map((n) => (n.type === 'mqtt-broker-config' ? n : n.id === broker.id ? { ...n, z: tab.id, wires: [['rpcx.events'], []] } : { ...n, z: tab.id }));
    const modules = [mqttKit(), captureHttpNode, recorder, ...coreNodes([FUNCTION_NODE, 'network/21-httpin.js', 'common/90-comment.js'])];
    const recorderNode = { id: 'rpcx.events', type: 'event-recorder', z: tab.id, x: 0, y: 0, wires: [] };
    await loadDedupingCoreNodes(helper, () => helper.load(modules, [tab, ...nodes, recorderNode])); // two Catch nodes
    const responderUp = (m: any): boolean => m.topic === 'subscribe' && m.payload.subscriptions.some((s: any) => s.topic === 'demo/calc/add' && s.granted);
    if (!seen.some(responderUp)) await nextEvent(events, 'event', 'the responder to subscribe', responderUp);
    await statusOf(helper.getNode('rpcx.req'), (s) => s.fill === 'green');
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
