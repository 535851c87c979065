// Requester and responder engines against the embedded broker through the real pool and leases, MQTT 5
// (properties) and 3.1.1 (JSON envelope): replies matched under concurrency, timeouts, error replies,
// refusals, disconnects, bounds, shared responders, several requesters on one connection.
import assert from 'node:assert/strict';
import type { Lease } from '../../src/client/lease';
import { Requester, Responder, type IncomingRequest } from '../../src/rpc';
import { deferred, withTimeout } from '../client/helpers/wait';
import { settle, startBench, VERSIONS, wentDown, connected, type Bench } from './helpers';

for (const { version, label } of VERSIONS) {
  describe(`rpc engines over MQTT ${label === 'v5' ? '5' : '3.1.1'} (embedded broker)`, () => {
    let bench: Bench;
    let cfg: string;
    let lease: Lease;
    const closers: Array<{ close(): void }> = [];
    /** Replies the responders of serve() sent, settled when each is complete for its QoS. */
    const answers: Array<Promise<unknown>> = [];

    beforeEach(async () => {
      bench = await startBench(version);
      cfg = await bench.define();
      lease = await bench.lease(cfg);
    });
    afterEach(async () => {
      for (const c of closers.splice(0)) c.close();
      answers.length = 0;
      await bench.close();
    });

    /** A responder on `topic` that answers with `answer(request)` (or not at all when it returns undefined). */
    async function serve(topic: string, answer: (r: IncomingRequest, responder: Responder) => string | undefined, on: Lease = lease): Promise<Responder> {
      const responder: Responder = new Responder(on, {
        topic,
        onRequest: (r) => {
          const text = answer(r, responder);
          if (text !== undefined && r.route) answers.push(responder.reply(r.route, { payload: text }));
        },
      });
      closers.push(responder);
      await responder.start();
      return responder;
    }

    function requester(options: ConstructorParameters<typeof Requester>[1] = {}, on: Lease = lease): Requester {
      const r = new Requester(on, options);
      closers.push(r);
      return r;
    }

    const forwarded = version === 5 ? ' [v5 MQTT-3.3.2-15] [v5 MQTT-3.3.2-16]' : '';
    it(`a reply comes back to its request with payload, metadata and round-trip time${forwarded}`, async () => {
      let seen: IncomingRequest | undefined;
      const responder = await serve('svc/echo', (r) => ((seen = r), `echo:${r.payload}`));
      const req = requester({ id: 'req1' });
      const reply = await req.request({
        topic: 'svc/echo', payload: 'hi', timeoutMs: 2000, contentType: 'text/plain', userProperties: [['trace', 't1']],
      });
      assert.equal(reply.payload.toString(), 'echo:hi');
      assert.equal(reply.requestTopic, 'svc/echo');
      assert.ok(reply.rttMs > 0 && reply.rttMs < 2000);
      assert.equal(seen!.payload.toString(), 'hi', 'the envelope is unwrapped for the responder');
      assert.equal(seen!.contentType, 'text/plain');
      assert.deepEqual(seen!.userProperties, [['trace', 't1']]);
      assert.deepEqual(seen!.route!.correlationData, reply.correlationData);
      assert.equal(seen!.route!.protocol, version === 5 ? 'v5' : 'envelope');
      assert.equal(reply.topic.startsWith(req.responseTopic!), true);
      if (version === 5) {
        assert.equal(reply.topic, req.responseTopic);
        assert.ok(seen!.messageExpiryInterval! <= 2 && seen!.messageExpiryInterval! >= 1, 'published with Message Expiry = ceil(timeout)');
      } else {
        assert.match(reply.topic, /\/[0-9a-f]{32}$/, '3.1.1: one topic level per request under the requester topic');
      }
      await Promise.all(answers);
      assert.equal(responder.stats.replies, 1);
      assert.equal(req.inFlight, 0);
    });

    it('1000 concurrent requests: every reply matched to its own request', async () => {
      await serve('svc/double', (r) => String(Number(r.payload.toString()) * 2));
      const req = requester();
      const replies = await withTimeout(
        Promise.all(Array.from({ length: 1000 }, (_, i) => req.request({ topic: 'svc/double', payload: String(i), timeoutMs: 8000 }))),
        9000, '1000 replies');
      replies.forEach((reply, i) => assert.equal(reply.payload.toString(), String(i * 2)));
      assert.equal(new Set(replies.map((r) => r.correlationData.toString('hex'))).size, 1000);
      assert.deepEqual({ ...req.stats }, { requests: 1000, replies: 1000, errorReplies: 0, timeouts: 0, failures: 0, unmatched: 0 });
    });

    it('a request nobody answers times out once, delivered (acknowledged) but timed out', async () => {
      let requests = 0;
      await serve('svc/silent', () => void requests++);
      const req = requester();
      const r = await settle(req.request({ topic: 'svc/silent', payload: 'x', timeoutMs: 150 }));
      assert.equal(r.ok, false);
      assert.equal(r.ok || r.error.code, 'RPC_TIMEOUT');
      assert.deepEqual(r.ok || r.error.outcome, { timedOut: true, delivered: true, errorCode: 'RPC_TIMEOUT' });
      assert.equal(requests, 1);
      assert.equal(req.stats.timeouts, 1);
    });

    it('an error reply ends the request with the responder\'s message and code', async () => {
      const responder = await serve('svc/fail', (r, self) => {
        answers.push(self.replyError(r.route!, { message: 'no such item', code: 'E404' }));
        return undefined;
      });
      const req = requester();
      const r = await settle(req.request({ topic: 'svc/fail', payload: 'x', timeoutMs: 2000 }));
      assert.equal(r.ok, false);
      const e = r.ok ? undefined : r.error;
      assert.equal(e.code, 'RPC_ERROR_REPLY');
      assert.deepEqual(e.outcome, { timedOut: false, delivered: true, errorCode: 'RPC_ERROR_REPLY', remote: { message: 'no such item', code: 'E404' } });
      assert.deepEqual(JSON.parse(e.reply.payload.toString()), { error: { message: 'no such item', code: 'E404' } });
      assert.equal(e.reply.contentType, 'application/json');
      await Promise.all(answers);
      assert.equal(responder.stats.errorReplies, 1);
    });

    if (version === 5) {
      it('no subscriber for the request topic: PUBACK 0x10 ends the request at once with RPC_NO_RESPONDER (delivered)', async () => {
        const req = requester();
        const r = await settle(req.request({ topic: 'svc/nobody', payload: 'x', timeoutMs: 5000 }));
        assert.equal(r.ok || r.error.code, 'RPC_NO_RESPONDER');
        assert.deepEqual(r.ok || r.error.outcome, { timedOut: false, delivered: true, errorCode: 'RPC_NO_RESPONDER', reasonCode: 0x10 });
      });

      it("noResponder: 'wait' waits for the timeout instead", async () => {
        const req = requester({ noResponder: 'wait' });
        const r = await settle(req.request({ topic: 'svc/nobody', payload: 'x', timeoutMs: 100 }));
        assert.equal(r.ok || r.error.code, 'RPC_TIMEOUT');
      });

      it('a publish the broker refuses (PUBACK 0x87) ends the request as not delivered', async () => {
        await bench.close();
        bench = await startBench(5, { hooks: { authorizePublish: (_c, m) => !m.topic.startsWith('svc/forbidden') } });
        cfg = await bench.define();
        lease = await bench.lease(cfg);
        const req = requester();
        const r = await settle(req.request({ topic: 'svc/forbidden', payload: 'x', timeoutMs: 2000 }));
        assert.equal(r.ok || r.error.code, 'RPC_PUBLISH_FAILED');
        assert.deepEqual(r.ok || r.error.outcome, { timedOut: false, delivered: false, errorCode: 'RPC_PUBLISH_FAILED', reasonCode: 0x87 });
      });

      it("the response topic follows the broker's Response Information when it sends one [v5 MQTT-3.1.2-28]", async () => {
        await bench.close();
        bench = await startBench(5, { options: { responseInformation: 'resp/' } });
        cfg = await bench.define({ requestResponseInformation: true, clientId: 'rq1' });
        lease = await bench.lease(cfg);
        await serve('svc/echo', (r) => String(r.payload));
        const req = requester({ id: 'n7' });
        const reply = await req.request({ topic: 'svc/echo', payload: 'ri', timeoutMs: 2000 });
        assert.equal(req.responseTopic, 'resp/rq1/n7');
        assert.equal(reply.topic, 'resp/rq1/n7');
      });
    }

    it('the connection dropping while a request waits ends it with RPC_DISCONNECTED; later requests work after the reconnect', async () => {
      const held = deferred<IncomingRequest>();
      const responder = await serve('svc/hold', (r) => {
        if (r.payload.toString() === 'hold') return void held.resolve(r);
        return 'ok';
      });
      const req = requester();
      const pending = settle(req.request({ topic: 'svc/hold', payload: 'hold', timeoutMs: 5000 }));
      await withTimeout(held.promise, 2000, 'request at the responder');
      const down = wentDown(lease);
      assert.ok(bench.broker.disconnectClient(bench.broker.clients()[0]!.clientId));
      await down;
      const r = await pending;
      assert.equal(r.ok || r.error.code, 'RPC_DISCONNECTED');
      assert.equal(r.ok || r.error.outcome.delivered, true, 'QoS 1: the PUBACK had arrived');
      await connected(lease);
      void responder;
      const again = await req.request({ topic: 'svc/hold', payload: 'again', timeoutMs: 3000 });
      assert.equal(again.payload.toString(), 'ok');
    });

    it('a QoS 1 request that timed out unacknowledged is not sent again after a reconnect without the session', async () => {
      await bench.close();
      const stuck: Array<(ok: boolean) => void> = [];
      let attempts = 0;
      bench = await startBench(version, {
        hooks: {
          authorizePublish: (_c, m) => {
            if (m.topic !== 'svc/stuck') return true;
            attempts++;
            return new Promise<boolean>((resolve) => stuck.push(resolve)); // holds the PUBACK back
          },
        },
      });
      cfg = await bench.define();
      lease = await bench.lease(cfg);
      await serve('svc/echo', () => 'ok');
      const req = requester();
      const r = await settle(req.request({ topic: 'svc/stuck', payload: 'x', timeoutMs: 150 }));
      assert.deepEqual(r.ok || r.error.outcome, { timedOut: true, delivered: false, errorCode: 'RPC_TIMEOUT' });
      assert.equal(attempts, 1);
      const down = wentDown(lease);
      bench.broker.disconnectClient(bench.broker.clients()[0]!.clientId);
      await down;
      for (const release of stuck.splice(0)) release(false);
      await connected(lease);
      await req.ready();
      // A round trip on the new connection: anything re-sent from the session queue would have gone first.
      assert.equal((await req.request({ topic: 'svc/echo', payload: 'x', timeoutMs: 2000 })).payload.toString(), 'ok');
      assert.equal(attempts, 1, 'the withdrawn request was not re-sent');
    });

    it('a request made before the connection is up waits for it and the response subscription', async () => {
      await serve('svc/echo', (r) => `late:${r.payload}`);
      const id = await bench.define({ autoConnect: false });
      const offline = bench.pool.acquire(id, { id: 'offline-node' });
      const req = requester({}, offline);
      const reply = req.request({ topic: 'svc/echo', payload: 'x', timeoutMs: 3000 });
      await offline.connect();
      assert.equal((await reply).payload.toString(), 'late:x');
    });

    it('a request that times out before it could be sent is not delivered and never published', async () => {
      let requests = 0;
      await serve('svc/count', () => void requests++);
      const id = await bench.define({ autoConnect: false });
      const offline = bench.pool.acquire(id, { id: 'offline-node' });
      const req = requester({}, offline);
      const r = await settle(req.request({ topic: 'svc/count', payload: 'x', timeoutMs: 50 }));
      assert.deepEqual(r.ok || r.error.outcome, { timedOut: true, delivered: false, errorCode: 'RPC_TIMEOUT' });
      await offline.connect();
      await connected(offline);
      await req.ready();
      const probe = await settle(req.request({ topic: 'svc/count', payload: 'probe', timeoutMs: 200 }));
      assert.equal(probe.ok || probe.error.code, 'RPC_TIMEOUT');
      assert.equal(requests, 1, 'only the probe reached the responder');
    });

    it('the in-flight bound refuses requests beyond it with RPC_TOO_MANY_REQUESTS', async () => {
      await serve('svc/silent', () => undefined);
      const req = requester({ maxInFlight: 2 });
      const a = settle(req.request({ topic: 'svc/silent', payload: '1', timeoutMs: 100 }));
      const b = settle(req.request({ topic: 'svc/silent', payload: '2', timeoutMs: 100 }));
      const c = await settle(req.request({ topic: 'svc/silent', payload: '3', timeoutMs: 100 }));
      assert.deepEqual(c.ok || c.error.outcome, { timedOut: false, delivered: false, errorCode: 'RPC_TOO_MANY_REQUESTS' });
      assert.equal(req.inFlight, 2);
      await Promise.all([a, b]);
      assert.equal(req.inFlight, 0);
    });

    it('caller-chosen correlation data is used, and a duplicate of an open one is refused', async () => {
      let seen: Buffer | undefined;
      await serve('svc/echo', (r) => ((seen = r.route!.correlationData), 'ok'));
      const req = requester();
      const mine = Buffer.from('order-1234');
      const first = req.request({ topic: 'svc/echo', payload: 'a', timeoutMs: 2000, correlationData: mine });
      const dup = await settle(req.request({ topic: 'svc/echo', payload: 'b', timeoutMs: 2000, correlationData: mine }));
      assert.equal(dup.ok || dup.error.code, 'RPC_DUPLICATE_CORRELATION');
      assert.deepEqual((await first).correlationData, mine);
      assert.deepEqual(seen, mine);
    });

    it('invalid requests are refused before anything is sent', async () => {
      const req = requester();
      for (const bad of [{ topic: 'a/+', timeoutMs: 100 }, { topic: '', timeoutMs: 100 }, { topic: 'a', timeoutMs: 0 }, { topic: 'a', timeoutMs: NaN }]) {
        const r = await settle(req.request({ ...bad, payload: 'x' }));
        assert.equal(r.ok || r.error.code, 'RPC_INVALID_REQUEST', JSON.stringify(bad));
      }
    });

    it('close() ends open requests with RPC_CLOSED', async () => {
      await serve('svc/silent', () => undefined);
      const req = requester();
      const open = settle(req.request({ topic: 'svc/silent', payload: 'x', timeoutMs: 5000 }));
      await req.ready();
      req.close();
      const r = await open;
      assert.equal(r.ok || r.error.code, 'RPC_CLOSED');
      const after = await settle(req.request({ topic: 'svc/silent', payload: 'x', timeoutMs: 5000 }));
      assert.equal(after.ok || after.error.code, 'RPC_CLOSED');
    });

    it('several requesters on one connection each get their own replies', async () => {
      await serve('svc/who', (r) => `for:${r.payload}`);
      const other = await bench.lease(cfg, 'second-node');
      const a = requester({ id: 'a' });
      const b = requester({ id: 'b' }, other);
      assert.equal(lease.connectionId, other.connectionId);
      const calls = [];
      for (let i = 0; i < 50; i++) {
        calls.push(a.request({ topic: 'svc/who', payload: `a${i}`, timeoutMs: 3000 }).then((r) => [`a${i}`, r.payload.toString()]));
        calls.push(b.request({ topic: 'svc/who', payload: `b${i}`, timeoutMs: 3000 }).then((r) => [`b${i}`, r.payload.toString()]));
      }
      for (const [sent, got] of await Promise.all(calls)) assert.equal(got, `for:${sent}`);
      assert.notEqual(a.responseTopic, b.responseTopic);
      assert.equal(a.stats.unmatched + b.stats.unmatched, 0);
    });

    it('shared responders ($share/group/...): each request is answered exactly once, by one of them [MQTT-4.8.2-1] [MQTT-4.8.2-2]', async () => {
      const seenBy = { one: 0, two: 0 };
      const leaseTwo = await bench.lease(await bench.define(), 'two');
      await serve('$share/workers/svc/job/+', () => (seenBy.one++, 'one'));
      await serve('$share/workers/svc/job/+', () => (seenBy.two++, 'two'), leaseTwo);
      const req = requester();
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => req.request({ topic: `svc/job/${i}`, payload: 'x', timeoutMs: 3000 })));
      assert.equal(seenBy.one + seenBy.two, 40);
      assert.ok(seenBy.one > 0 && seenBy.two > 0, `both members served (${seenBy.one}/${seenBy.two})`);
      assert.equal(replies.filter((r) => r.payload.toString() === 'one').length, seenBy.one);
      assert.equal(req.stats.unmatched, 0, 'no duplicate replies');
    });

    it('shared responders on one connection: the pool hands each request to one of them, round-robin', async () => {
      const seenBy = { one: 0, two: 0 };
      const sameConnection = await bench.lease(cfg, 'second-responder');
      await serve('$share/local/svc/job/+', () => (seenBy.one++, 'one'));
      await serve('$share/local/svc/job/+', () => (seenBy.two++, 'two'), sameConnection);
      const req = requester();
      await Promise.all(Array.from({ length: 20 }, (_, i) => req.request({ topic: `svc/job/${i}`, payload: 'x', timeoutMs: 3000 })));
      assert.deepEqual(seenBy, { one: 10, two: 10 });
      assert.equal(req.stats.unmatched, 0, 'no request was answered twice');
    });

    it('fire and forget: a one-way message reaches the responder without a route', async () => {
      const got = deferred<IncomingRequest>();
      await serve('svc/log', (r) => void got.resolve(r));
      const req = requester();
      await req.send({ topic: 'svc/log', payload: 'event' });
      const oneWay = await withTimeout(got.promise, 2000, 'one-way message');
      assert.equal(oneWay.route, undefined);
      assert.equal(oneWay.payload.toString(), 'event');
    });

    it('a retained message on the request topic is not served', async () => {
      await bench.broker.publish({ topic: 'svc/retained', payload: 'stale', qos: 1, retain: true });
      const got: IncomingRequest[] = [];
      const responder = await serve('svc/retained', (r) => void got.push(r));
      await serve('svc/echo', () => 'ok');
      await requester().request({ topic: 'svc/echo', payload: 'x', timeoutMs: 2000 }); // a round trip after the subscription
      assert.equal(got.length, 0);
      assert.equal(responder.stats.requests + responder.stats.oneWay, 0);
    });
  });
}
