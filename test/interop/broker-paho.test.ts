// Our broker against the Python paho-mqtt client (MQTT 3.1.1 and 5) on 127.0.0.1 with an ephemeral port:
// QoS 0/1/2 both ways, retained, will on a killed process, session resume with messages queued while
// offline, shared subscriptions, v5 properties.
import assert from 'node:assert/strict';
import { nextEvent } from '../broker/helpers';
import { brokerPerTest, describeWithTools, Paho, untilAll, type PahoMessage } from './broker-tools';

const brief = (m: PahoMessage): string => `${m.topic}|${m.qos}|${m.retain ? 1 : 0}|${m.payload}`;

describeWithTools('broker interop: paho-mqtt (Python)', ['paho'], function () {
  this.timeout(20_000);
  const ours = brokerPerTest();
  const { procs } = ours;

  for (const version of [4, 5] as const) {
    const tag = version === 5 ? 'v5' : '3.1.1';

    it(`[${tag} MQTT-3.3.4-1] [${tag} MQTT-4.3.3-1] QoS 0, 1 and 2 both ways between two paho clients, in order (${tag})`, async () => {
      const { paho: a } = await Paho.connect(procs, { port: ours.port, clientId: `a-${tag}`, version });
      const { paho: b } = await Paho.connect(procs, { port: ours.port, clientId: `b-${tag}`, version });
      assert.deepEqual(await a.subscribe('x/a/#', 2), [2]);
      assert.deepEqual(await b.subscribe('x/b/#', 2), [2]);
      for (const qos of [0, 1, 2]) {
        await a.publish(`x/b/${qos}`, `to-b-${qos}`, { qos });
        await b.publish(`x/a/${qos}`, `to-a-${qos}`, { qos });
      }
      assert.deepEqual((await b.messagesUntil(3)).map(brief), ['x/b/0|0|0|to-b-0', 'x/b/1|1|0|to-b-1', 'x/b/2|2|0|to-b-2']);
      assert.deepEqual((await a.messagesUntil(3)).map(brief), ['x/a/0|0|0|to-a-0', 'x/a/1|1|0|to-a-1', 'x/a/2|2|0|to-a-2']);
    });

    it(`[${tag} MQTT-3.3.1-5] [${tag === 'v5' ? 'v5 MQTT-3.3.1-9' : '3.1.1 MQTT-3.3.1-8'}] retained messages reach a later paho subscriber with RETAIN set (${tag})`, async () => {
      const { paho: pub } = await Paho.connect(procs, { port: ours.port, clientId: `rp-${tag}`, version });
      await pub.publish(`ret/${tag}/a`, 'A', { qos: 1, retain: true });
      await pub.publish(`ret/${tag}/b`, 'B', { qos: 2, retain: true });
      const { paho: sub } = await Paho.connect(procs, { port: ours.port, clientId: `rs-${tag}`, version });
      await sub.subscribe(`ret/${tag}/+`, 2);
      const got = (await sub.messagesUntil(2)).map(brief).sort();
      assert.deepEqual(got, [`ret/${tag}/a|1|1|A`, `ret/${tag}/b|2|1|B`]);
    });

    it(`[${tag} MQTT-3.1.2-8] the will of a killed paho process is published; a cleanly disconnected one's is not (${tag})`, async () => {
      const { paho: watch } = await Paho.connect(procs, { port: ours.port, clientId: `watch-${tag}`, version });
      await watch.subscribe('will/#', 1);
      const { paho: polite } = await Paho.connect(procs, { port: ours.port, clientId: `polite-${tag}`, version, will: { topic: 'will/polite', payload: 'no' } });
      await polite.disconnect();
      const { paho: doomed } = await Paho.connect(procs, { port: ours.port, clientId: `doomed-${tag}`, version, will: { topic: 'will/doomed', payload: 'gone', qos: 1, retain: true } });
      const gone = nextEvent(ours.broker, 'clientDisconnect');
      await doomed.proc.kill();
      assert.equal((await gone)[1].origin, 'network');
      assert.deepEqual((await watch.messagesUntil(1)).map(brief), ['will/doomed|1|0|gone']);
      assert.equal(ours.broker.retained('will/doomed')?.payload.toString(), 'gone', 'Will Retain keeps it');
    });

    it(`[${tag === 'v5' ? 'v5 MQTT-3.1.2-5' : '3.1.1 MQTT-3.1.2-5'}] [${tag === 'v5' ? 'v5 MQTT-3.2.2-3' : '3.1.1 MQTT-3.2.2-2'}] [${tag === 'v5' ? 'v5 MQTT-3.1.2-23' : '3.1.1 MQTT-3.1.2-4'}] a paho persistent session resumes with the QoS 1 and 2 messages queued while it was offline (${tag})`, async () => {
      const config = { port: ours.port, clientId: `resume-${tag}`, version, clean: false, sessionExpiry: 300 } as const;
      const first = await Paho.connect(procs, config);
      assert.equal(first.sessionPresent, false);
      await first.paho.subscribe('queue/#', 2);
      const gone = nextEvent(ours.broker, 'clientDisconnect');
      await first.paho.proc.kill();
      await gone;
      const { paho: pub } = await Paho.connect(procs, { port: ours.port, clientId: `qpub-${tag}`, version });
      for (let i = 0; i < 6; i++) await pub.publish(`queue/${i}`, `m${i}`, { qos: i % 2 === 0 ? 1 : 2 });
      await pub.publish('queue/zero', 'not queued', { qos: 0 });
      const again = await Paho.connect(procs, config);
      assert.equal(again.sessionPresent, true);
      const got = await again.paho.messagesUntil(6);
      // paho hands a QoS 2 message over on PUBREL, one round trip later than a QoS 1 one: order per QoS.
      const ofQos = (qos: number): string[] => got.filter((m) => m.qos === qos).map(brief);
      assert.deepEqual(ofQos(1), [0, 2, 4].map((i) => `queue/${i}|1|0|m${i}`));
      assert.deepEqual(ofQos(2), [1, 3, 5].map((i) => `queue/${i}|2|0|m${i}`));
      assert.equal(got.length, 6);
      // The QoS 0 message was dropped while offline: after a round trip, still nothing more.
      await pub.publish('queue/marker', 'end', { qos: 1 });
      assert.equal(brief((await again.paho.messagesUntil(7))[6]!), 'queue/marker|1|0|end');
    });

    it(`${tag === 'v5' ? '[v5 MQTT-4.8.2-1] [v5 MQTT-4.8.2-2] [v5 MQTT-4.8.2-3] ' : ''}two paho subscribers in a $share group: each message goes to exactly one, at that member's granted QoS (${tag}${tag === 'v5' ? '' : ': honoured for 3.1.1 too, as Mosquitto does'})`, async () => {
      const { paho: one } = await Paho.connect(procs, { port: ours.port, clientId: `share1-${tag}`, version });
      const { paho: two } = await Paho.connect(procs, { port: ours.port, clientId: `share2-${tag}`, version });
      const { paho: plain } = await Paho.connect(procs, { port: ours.port, clientId: `plain-${tag}`, version });
      assert.deepEqual(await one.subscribe('$share/workers/jobs/#', 1), [1]);
      assert.deepEqual(await two.subscribe('$share/workers/jobs/#', 2), [2]);
      await plain.subscribe('jobs/#', 1);
      const { paho: pub } = await Paho.connect(procs, { port: ours.port, clientId: `jobs-${tag}`, version });
      const count = 20;
      for (let i = 0; i < count; i++) await pub.publish(`jobs/${i}`, `job${i}`, { qos: 2 });
      await plain.messagesUntil(count); // a non-shared subscriber gets all of them
      await untilAll([one.proc, two.proc], () => one.messages.length + two.messages.length >= count, 5000, 'the shared messages');
      const payloads = [...one.messages, ...two.messages].map((m) => m.payload).sort();
      assert.deepEqual(payloads, Array.from({ length: count }, (_, i) => `job${i}`).sort(), 'each message exactly once');
      assert.ok(one.messages.length > 0 && two.messages.length > 0, `both members served: ${one.messages.length} / ${two.messages.length}`);
      assert.ok(one.messages.every((m) => m.qos === 1) && two.messages.every((m) => m.qos === 2));
      // Nothing else arrives later: a round trip through both members proves their queues are empty.
      await pub.publish('jobs/last', 'last', { qos: 1 });
      await untilAll([one.proc, two.proc], () => one.messages.length + two.messages.length === count + 1, 5000, 'the last message');
      assert.equal(one.messages.length + two.messages.length, count + 1);
    });
  }

  it('[v5 MQTT-3.3.2-17] [v5 MQTT-3.3.2-18] [v5 MQTT-3.3.2-20] v5 user properties (in order, repeated names) and content type round trip between paho clients', async () => {
    const { paho: sub } = await Paho.connect(procs, { port: ours.port, clientId: 'psub', version: 5 });
    await sub.subscribe('props/#', 1);
    const { paho: pub } = await Paho.connect(procs, { port: ours.port, clientId: 'ppub', version: 5 });
    const userProperties: Array<[string, string]> = [['b', '2'], ['a', '1'], ['b', '3'], ['ünï', 'cödé']];
    await pub.publish('props/x', '{"v":1}', { qos: 1, userProperties, contentType: 'application/json' });
    const [m] = await sub.messagesUntil(1);
    assert.deepEqual(m!.userProperties, userProperties);
    assert.equal(m!.contentType, 'application/json');
    assert.equal(m!.payload, '{"v":1}');
  });
});
