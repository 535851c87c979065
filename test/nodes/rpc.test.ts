// mqtt-rpc in Node-RED (the built bundle in node-red-node-test-helper) against the in-process broker, MQTT 5
// and 3.1.1: request -> respond -> (flow) -> reply round trips, correlation under 1000 concurrent requests,
// timeouts, error replies through a Catch node, disconnects, several requesters on one connection, shared
// responders, mqtt-out replies, fire and forget.
import assert from 'node:assert/strict';
import { brokerConfig, catchAll, collect, flowSuite, helper, mqttIn, mqttKit, mqttOut, nextInput, sink, statusOf, TAB, type FlowNode } from './flow-helpers';
import { coreNodes, FUNCTION_NODE, functionNode, rpcNode } from '../rpc/node-flows';

const nodes = (): unknown[] => [mqttKit(), ...coreNodes([FUNCTION_NODE])];

for (const protocolVersion of [5, 4] as const) {
  const label = protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';

  describe(`nodes: mqtt-rpc over ${label}`, function () {
    const b = flowSuite({ broker: {} }).broker;

    const cfg = (id = 'cfg', extra: Record<string, unknown> = {}) => brokerConfig(id, b.port, { protocolVersion, ...extra });

    /** Loads `flow` (plus the tab and a broker config) and waits until every responder's filter is subscribed. */
    async function load(flow: FlowNode[], filters: string[], extraConfigs: FlowNode[] = []): Promise<void> {
      await helper.load(nodes(), [TAB, cfg(), ...extraConfigs, ...flow]);
      for (const f of filters) await b.subscribed(f);
    }

    it('request -> respond -> function -> reply: the reply is laid over the request msg, with msg.rpc.rtt', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/add', timeout: 5 }),
        rpcNode('srv', 'respond', 'cfg', [['calc']], { topic: 'svc/add' }),
        functionNode('calc', 'msg.payload = { sum: msg.payload.a + msg.payload.b, via: msg.requestTopic }; return msg;', ['rep']),
        rpcNode('rep', 'reply', '', []),
        sink('out'),
      ], ['svc/add']);
      const got = nextInput(helper.getNode('out'));
      helper.getNode('req').receive({ payload: { a: 2, b: 3 }, keep: 'me', res: { fake: 'http response' } });
      const msg = await got;
      assert.deepEqual(msg.payload, { sum: 5, via: 'svc/add' });
      assert.equal(msg.keep, 'me', 'the flow\'s own properties survive');
      assert.deepEqual(msg.res, { fake: 'http response' });
      assert.equal(msg.requestTopic, 'svc/add');
      assert.ok(Buffer.isBuffer(msg.correlationData));
      assert.equal(typeof msg.rpc.rtt, 'number');
      assert.ok(msg.rpc.rtt > 0);
      assert.equal(msg.rpc.delivered, true);
      assert.equal(msg.rpc.timedOut, false);
      assert.match(msg.topic, /^mqtt-kit\/reply\//);
    });

    it('1000 concurrent requests: every reply matched to its own request', async function () {
      this.timeout(20000);
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/echo', timeout: 15 }),
        rpcNode('srv', 'respond', 'cfg', [['rep']], { topic: 'svc/echo' }),
        rpcNode('rep', 'reply', '', []),
        sink('out'),
      ], ['svc/echo']);
      const all = collect(helper.getNode('out'), 1000, 15000);
      const req = helper.getNode('req');
      for (let n = 0; n < 1000; n++) req.receive({ payload: `call-${n}`, n });
      const msgs = await all;
      for (const msg of msgs) assert.equal(msg.payload, `call-${msg.n}`);
      assert.equal(new Set(msgs.map((m) => m.n)).size, 1000);
    });

    it('no reply within the timeout: Catch gets RPC_TIMEOUT with msg.rpc {timedOut, delivered}; msg.timeout overrides the node', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/silent', timeout: 30 }),
        rpcNode('srv', 'respond', 'cfg', [['void']], { topic: 'svc/silent' }),
        sink('void'), sink('out'),
        catchAll('catch', ['err']), sink('err'),
      ], ['svc/silent']);
      const err = nextInput(helper.getNode('err'));
      helper.getNode('req').receive({ payload: 'x', timeout: 0.2, keep: 1 });
      const msg = await err;
      assert.equal(msg.error.code, 'RPC_TIMEOUT');
      // The test helper's RED._ returns catalog keys (texts: test/rpc/node-units.test.ts).
      assert.match(msg.error.message, /mqtt-rpc\.errors\.timeout mqtt-rpc\.errors\.was-delivered/);
      assert.deepEqual({ ...msg.rpc, error: undefined }, { timedOut: true, delivered: true, errorCode: 'RPC_TIMEOUT', error: undefined });
      assert.equal(msg.keep, 1);
    });

    it('failures to a second output instead of a Catch node', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out'], ['failed']], { topic: 'svc/silent', timeout: 0.2, failures: 'output' }),
        rpcNode('srv', 'respond', 'cfg', [['void']], { topic: 'svc/silent' }),
        sink('void'), sink('out'), sink('failed'),
      ], ['svc/silent']);
      const failed = nextInput(helper.getNode('failed'));
      helper.getNode('req').receive({ payload: 'x' });
      const msg = await failed;
      assert.equal(msg.rpc.errorCode, 'RPC_TIMEOUT');
      assert.equal(msg.rpc.timedOut, true);
      assert.equal(typeof msg.rpc.error, 'string');
    });

    it('an error in the responder flow, through a Catch node wired to the reply node, comes back as an error reply', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out'], ['err']], { topic: 'svc/items', failures: 'output' }),
        rpcNode('srv', 'respond', 'cfg', [['lookup']], { topic: 'svc/items' }),
        functionNode('lookup', 'if (msg.payload.id !== 1) { throw new Error("no such item " + msg.payload.id); } msg.payload = "item 1"; return msg;', ['rep']),
        { ...catchAll('srvCatch', ['rep']), scope: ['lookup'] },
        rpcNode('rep', 'reply', '', []),
        sink('out'), sink('err'),
      ], ['svc/items']);
      const ok = nextInput(helper.getNode('out'));
      helper.getNode('req').receive({ payload: { id: 1 } });
      assert.equal((await ok).payload, 'item 1');
      const err = nextInput(helper.getNode('err'));
      helper.getNode('req').receive({ payload: { id: 7 } });
      const msg = await err;
      assert.equal(msg.rpc.errorCode, 'RPC_ERROR_REPLY');
      assert.equal(msg.rpc.delivered, true);
      assert.match(msg.rpc.remote.message, /no such item 7/);
      assert.match(msg.payload.error.message, /no such item 7/, 'msg.payload is the error reply');
    });

    it('the connection dropping while a request waits: RPC_DISCONNECTED, delivered', async () => {
      await helper.load(nodes(), [
        TAB, cfg('cfg', { clientid: 'rq-client' }), cfg('cfg2', { clientid: 'srv-client' }),
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/hold' }),
        rpcNode('srv', 'respond', 'cfg2', [['held']], { topic: 'svc/hold' }),
        sink('held'), sink('out'), catchAll('catch', ['err']), sink('err'),
      ]);
      await b.subscribed('svc/hold');
      const held = nextInput(helper.getNode('held'));
      helper.getNode('req').receive({ payload: 'x' });
      await held;
      const err = nextInput(helper.getNode('err'));
      assert.ok(b.broker.disconnectClient('rq-client'));
      const msg = await err;
      assert.equal(msg.error.code, 'RPC_DISCONNECTED');
      assert.equal(msg.rpc.delivered, true);
    });

    it('several requester nodes on one connection each get their own replies', async () => {
      await load([
        rpcNode('a', 'request', 'cfg', [['outA']], { topic: 'svc/echo' }),
        rpcNode('b', 'request', 'cfg', [['outB']], { topic: 'svc/echo' }),
        rpcNode('srv', 'respond', 'cfg', [['rep']], { topic: 'svc/echo' }),
        rpcNode('rep', 'reply', '', []),
        sink('outA'), sink('outB'),
      ], ['svc/echo']);
      const gotA = collect(helper.getNode('outA'), 50);
      const gotB = collect(helper.getNode('outB'), 50);
      for (let i = 0; i < 50; i++) {
        helper.getNode('a').receive({ payload: `a${i}` });
        helper.getNode('b').receive({ payload: `b${i}` });
      }
      const [msgsA, msgsB] = await Promise.all([gotA, gotB]);
      assert.deepEqual(msgsA.map((m) => m.payload).sort(), Array.from({ length: 50 }, (_, i) => `a${i}`).sort());
      assert.deepEqual(msgsB.map((m) => m.payload).sort(), Array.from({ length: 50 }, (_, i) => `b${i}`).sort());
      assert.equal(b.broker.clients().length, 1, 'one connection');
    });

    for (const where of ['one connection', 'two connections'] as const) {
      it(`shared responders ($share/workers/...) on ${where}: each request answered once [MQTT-4.8.2-1] [MQTT-4.8.2-2]`, async () => {
        await load([
          rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/job' }),
          rpcNode('w1', 'respond', 'cfg', [['tag1']], { topic: '$share/workers/svc/job' }),
          rpcNode('w2', 'respond', where === 'one connection' ? 'cfg' : 'cfg2', [['tag2']], { topic: '$share/workers/svc/job' }),
          functionNode('tag1', 'msg.payload = "w1"; return msg;', ['rep', 'seen']),
          functionNode('tag2', 'msg.payload = "w2"; return msg;', ['rep', 'seen']),
          rpcNode('rep', 'reply', '', []),
          sink('out'), sink('seen'),
        ], ['$share/workers/svc/job'], where === 'two connections' ? [cfg('cfg2')] : []);
        if (where === 'two connections') await statusOf(helper.getNode('w2'), (s) => s.fill === 'green');
        const served = collect(helper.getNode('seen'), 20);
        const replies = collect(helper.getNode('out'), 20);
        for (let i = 0; i < 20; i++) helper.getNode('req').receive({ payload: i });
        const [s, r] = await Promise.all([served, replies]);
        const by = (list: any[], w: string) => list.filter((m) => m.payload === w).length;
        assert.equal(by(s, 'w1') + by(s, 'w2'), 20, 'each request served once');
        assert.ok(by(s, 'w1') > 0 && by(s, 'w2') > 0, `both workers served (${by(s, 'w1')}/${by(s, 'w2')})`);
        assert.equal(r.length, 20);
      });
    }

    it('an mqtt-out with no topic answers a request from the responder', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/out' }),
        rpcNode('srv', 'respond', 'cfg', [['upper']], { topic: 'svc/out' }),
        functionNode('upper', 'msg.payload = String(msg.payload).toUpperCase(); return msg;', ['pub']),
        mqttOut('pub', 'cfg'),
        sink('out'), catchAll('catch', ['err']), sink('err'),
      ], ['svc/out']);
      const got = nextInput(helper.getNode('out'));
      helper.getNode('req').receive({ payload: 'shout' });
      assert.equal((await got).payload, 'SHOUT');
    });

    it('fire and forget: output 1 once the broker has the message; the responder sees a one-way message', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/log', expect: 'none' }),
        rpcNode('srv', 'respond', 'cfg', [['seen']], { topic: 'svc/log' }),
        sink('out'), sink('seen'),
      ], ['svc/log']);
      const seen = nextInput(helper.getNode('seen'));
      const out = nextInput(helper.getNode('out'));
      helper.getNode('req').receive({ payload: 'event' });
      assert.deepEqual((await out).rpc, { timedOut: false, delivered: true });
      const msg = await seen;
      assert.equal(msg.payload, 'event');
      assert.equal(msg.replyTo, undefined);
      assert.equal(msg.mqtt.protocol, 'none');
    });

    it('msg.action "stats": the requester\'s counters on output 1', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/echo' }),
        rpcNode('srv', 'respond', 'cfg', [['rep']], { topic: 'svc/echo' }),
        rpcNode('rep', 'reply', '', []),
        sink('out'),
      ], ['svc/echo']);
      const out = helper.getNode('out');
      const first = nextInput(out);
      helper.getNode('req').receive({ payload: 'x' });
      await first;
      const stats = nextInput(out);
      helper.getNode('req').receive({ action: 'stats', keep: true });
      const msg = await stats;
      assert.deepEqual({ ...msg.payload, responseTopic: typeof msg.payload.responseTopic },
        { requests: 1, replies: 1, errorReplies: 0, timeouts: 0, failures: 0, unmatched: 0, inFlight: 0, responseTopic: 'string' });
      assert.equal(msg.keep, true);
    });

    it('a reply node without a server, for a responder that is gone, fails with RPC_NO_ROUTE', async () => {
      await load([
        rpcNode('rep', 'reply', '', []),
        catchAll('catch', ['err']), sink('err'),
      ], []);
      const err = nextInput(helper.getNode('err'));
      helper.getNode('rep').receive({ payload: 'x', replyTo: { responder: 'gone', broker: 'cfg', responseTopic: 'r/1', protocol: 'v5', qos: 1 } });
      assert.equal((await err).error.code, 'RPC_NO_ROUTE');
    });

    it('status: connection status from the shared table plus the requests in flight, cleared when they end', async () => {
      await load([
        rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/silent', timeout: 5 }),
        rpcNode('srv', 'respond', 'cfg', [['void']], { topic: 'svc/silent' }),
        sink('void'), sink('out'), catchAll('catch', ['err']), sink('err'),
      ], ['svc/silent']);
      await statusOf(helper.getNode('req'), (s) => s.fill === 'green');
      helper.getNode('req').receive({ payload: 1, timeout: 0.3 });
      const s = await statusOf(helper.getNode('req'), (st) => /· mqtt-rpc\.status\.inflight$/.test(String(st.text)));
      assert.equal(s.fill, 'green');
      assert.match(String(s.text), /^mqtt-kit\.status\.connected/);
      await nextInput(helper.getNode('err'));
      await statusOf(helper.getNode('req'), (st) => st.text === 'mqtt-kit.status.connected');
    });

    if (protocolVersion === 5) {
      it('a reply node with a server answers an MQTT 5 request received by mqtt-in (msg.responseTopic)', async () => {
        await load([
          rpcNode('req', 'request', 'cfg', [['out']], { topic: 'svc/plain' }),
          mqttIn('in', 'cfg', 'svc/plain', ['fn'], { qos: '1' }),
          functionNode('fn', 'msg.payload = "plain:" + msg.payload; return msg;', ['rep']),
          rpcNode('rep', 'reply', 'cfg', []),
          sink('out'),
        ], ['svc/plain']);
        const got = nextInput(helper.getNode('out'));
        helper.getNode('req').receive({ payload: 'hi' });
        assert.equal((await got).payload, 'plain:hi');
      });
    }
  });
}
