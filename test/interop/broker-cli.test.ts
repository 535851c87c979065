// Our broker against Mosquitto's command line clients (mosquitto_pub, mosquitto_sub, mosquitto_rr), MQTT 3.1.1
// and 5, on 127.0.0.1 with an ephemeral port: QoS 0/1/2 in and out, retained, will, session resume, v5
// properties, request/response with a paho responder.
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker';
import { nextEvent } from '../broker/helpers';
import { brokerPerTest, describeWithTools, Paho } from './broker-tools';

/** mosquitto_sub output format: topic|qos|retain|payload (v5 adds properties, see V5_FORMAT). */
const FORMAT = '%t|%q|%r|%p';
const V5_FORMAT = '%t|%q|%r|%P|%C|%R|%D|%E|%p';

/** Resolves once the broker saw `clientId` subscribe. Call before starting the subscriber. */
function subscribed(broker: Broker, clientId: string, timeout = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      broker.off('subscribe', on);
      reject(new Error(`${clientId} did not subscribe within ${timeout} ms`));
    }, timeout);
    const on = (client: { clientId: string }): void => {
      if (client.clientId !== clientId) return;
      clearTimeout(timer);
      broker.off('subscribe', on);
      resolve();
    };
    broker.on('subscribe', on);
  });
}

describeWithTools('broker interop: mosquitto_pub / mosquitto_sub / mosquitto_rr', ['mosquitto-clients'], function () {
  this.timeout(20_000);
  const ours = brokerPerTest();
  const { procs } = ours;

  const common = (): string[] => ['-h', '127.0.0.1', '-p', String(ours.port)];

  for (const v of ['mqttv311', '5'] as const) {
    const tag = v === '5' ? 'v5' : '3.1.1';
    const ver = ['-V', v];

    it(`[${tag} MQTT-3.3.4-1] [${tag === 'v5' ? 'v5 MQTT-3.8.4-8' : '3.1.1 MQTT-3.8.4-6'}] [${tag === 'v5' ? 'v5 MQTT-3.3.1-12' : '3.1.1 MQTT-3.3.1-9'}] QoS 0, 1 and 2 from mosquitto_pub reach mosquitto_sub at the granted QoS (${tag})`, async () => {
      for (const qos of [0, 1, 2]) {
        const id = `sub-${tag}-${qos}`;
        const ready = subscribed(ours.broker, id);
        const sub = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', id, '-t', `cli/${qos}/#`, '-q', String(qos), '-F', FORMAT, '-C', '3', '-W', '10']);
        await ready;
        const before = ours.broker.stats.messagesIn;
        for (let i = 0; i < 3; i++) {
          await procs.run('mosquitto_pub', [...common(), ...ver, '-t', `cli/${qos}/${i}`, '-m', `m${qos}${i}`, '-q', String(qos)]);
        }
        assert.equal((await sub.finished()).code, 0, sub.stderr);
        assert.deepEqual(sub.lines, [0, 1, 2].map((i) => `cli/${qos}/${i}|${qos}|0|m${qos}${i}`));
        assert.equal(ours.broker.stats.messagesIn - before, 3);
      }
    });

    it(`[${tag === 'v5' ? 'v5 MQTT-3.8.4-8' : '3.1.1 MQTT-3.8.4-6'}] a QoS 2 publish to a QoS 1 subscription is delivered at QoS 1; broker.publish QoS 2 reaches a QoS 2 subscriber (${tag})`, async () => {
      const ready = subscribed(ours.broker, `down-${tag}`);
      const sub = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', `down-${tag}`, '-t', 'down/#', '-q', '1', '-F', FORMAT, '-C', '1', '-W', '10']);
      await ready;
      await procs.run('mosquitto_pub', [...common(), ...ver, '-t', 'down/x', '-m', 'two', '-q', '2']);
      await sub.finished();
      assert.deepEqual(sub.lines, ['down/x|1|0|two']);
      const ready2 = subscribed(ours.broker, `up-${tag}`);
      const sub2 = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', `up-${tag}`, '-t', 'inj/#', '-q', '2', '-F', FORMAT, '-C', '1', '-W', '10']);
      await ready2;
      await ours.broker.publish({ topic: 'inj/1', payload: 'from host', qos: 2 });
      await sub2.finished();
      assert.deepEqual(sub2.lines, ['inj/1|2|0|from host']);
    });

    it(`[${tag === 'v5' ? 'v5 MQTT-3.3.1-5' : '3.1.1 MQTT-3.3.1-5'}] [${tag === 'v5' ? 'v5 MQTT-3.3.1-9' : '3.1.1 MQTT-3.3.1-8'}] [${tag === 'v5' ? 'v5 MQTT-3.3.1-6' : '3.1.1 MQTT-3.3.1-10'}] retained: stored, sent with RETAIN=1 to a new subscriber, cleared by an empty retained publish (${tag})`, async () => {
      await procs.run('mosquitto_pub', [...common(), ...ver, '-t', `keep/${tag}`, '-m', 'kept', '-q', '1', '-r']);
      assert.equal(ours.broker.retained(`keep/${tag}`)?.payload.toString(), 'kept');
      const lines = await procs.run('mosquitto_sub', [...common(), ...ver, '-t', `keep/${tag}`, '-q', '1', '-F', FORMAT, '-C', '1', '-W', '5']);
      assert.deepEqual(lines, [`keep/${tag}|1|1|kept`]);
      await procs.run('mosquitto_pub', [...common(), ...ver, '-t', `keep/${tag}`, '-n', '-q', '1', '-r']);
      assert.equal(ours.broker.retained(`keep/${tag}`), undefined);
      // With nothing retained, --retained-only ends at the timeout with nothing printed.
      const none = procs.spawn('mosquitto_sub', [...common(), ...ver, '-t', `keep/${tag}`, '-F', FORMAT, '-C', '1', '-W', '1', '--retained-only']);
      await none.finished();
      assert.deepEqual(none.lines, []);
    });

    it(`[${tag} MQTT-3.1.2-8] [${tag === 'v5' ? 'v5 MQTT-3.1.2-10' : '3.1.1 MQTT-3.14.4-3'}] publishes the will of a killed mosquitto_sub, not of one that disconnected (${tag})`, async () => {
      const watchReady = subscribed(ours.broker, `watch-${tag}`);
      const watch = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', `watch-${tag}`, '-t', 'will/#', '-q', '1', '-F', FORMAT, '-C', '1', '-W', '10']);
      await watchReady;
      // A clean exit (-C 1 after one message) sends DISCONNECT: its will is discarded.
      const politeReady = subscribed(ours.broker, `polite-${tag}`);
      const polite = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', `polite-${tag}`, '-t', 'poke', '-C', '1', '-W', '10',
        '--will-topic', 'will/polite', '--will-payload', 'should not appear']);
      await politeReady;
      const politeGone = nextEvent(ours.broker, 'clientDisconnect');
      await procs.run('mosquitto_pub', [...common(), ...ver, '-t', 'poke', '-m', 'bye']);
      await polite.finished();
      assert.equal((await politeGone)[1].origin, 'client');
      const doomedReady = subscribed(ours.broker, `doomed-${tag}`);
      const doomed = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', `doomed-${tag}`, '-t', 'nothing', '-k', '60',
        '--will-topic', 'will/doomed', '--will-payload', 'gone', '--will-qos', '1']);
      await doomedReady;
      await doomed.kill();
      await watch.finished();
      assert.deepEqual(watch.lines, ['will/doomed|1|0|gone']);
    });

    it(`[${tag === 'v5' ? 'v5 MQTT-3.1.2-5' : '3.1.1 MQTT-3.1.2-5'}] [${tag === 'v5' ? 'v5 MQTT-3.2.2-3' : '3.1.1 MQTT-3.2.2-2'}] [${tag} MQTT-4.6.0-6] a persistent mosquitto_sub session gets the QoS 1 messages published while it was away (${tag})`, async () => {
      const id = `persist-${tag}`;
      const session = v === '5' ? ['-c', '-x', '300'] : ['-c'];
      const first = subscribed(ours.broker, id);
      const sub = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', id, ...session, '-t', 'away/#', '-q', '1', '-F', FORMAT]);
      await first;
      await sub.kill();
      assert.equal(ours.broker.stats.sessions, 1, 'the session outlives the connection');
      // QoS 0 is not queued for an offline client; published first, it would show up among the first four.
      await procs.run('mosquitto_pub', [...common(), ...ver, '-t', 'away/zero', '-m', 'dropped', '-q', '0']);
      for (let i = 0; i < 4; i++) await procs.run('mosquitto_pub', [...common(), ...ver, '-t', `away/${i}`, '-m', `q${i}`, '-q', '1']);
      // No new SUBSCRIBE is needed: the session's subscription delivers the queue right after CONNACK.
      const again = procs.spawn('mosquitto_sub', [...common(), ...ver, '-i', id, ...session, '-t', 'away/#', '-q', '1', '-F', FORMAT, '-C', '4', '-W', '10']);
      assert.equal((await again.finished()).code, 0, again.stderr);
      assert.deepEqual(again.lines, [0, 1, 2, 3].map((i) => `away/${i}|1|0|q${i}`));
    });
  }

  it('[v5 MQTT-3.3.2-17] [v5 MQTT-3.3.2-18] [v5 MQTT-3.3.2-20] [v5 MQTT-3.3.2-15] [v5 MQTT-3.3.2-16] [v5 MQTT-3.3.2-6] v5 properties from mosquitto_pub reach mosquitto_sub unaltered', async () => {
    const ready = subscribed(ours.broker, 'props');
    const sub = procs.spawn('mosquitto_sub', [...common(), '-V', '5', '-i', 'props', '-t', 'props/#', '-q', '1', '-F', V5_FORMAT, '-C', '1', '-W', '10']);
    await ready;
    await procs.run('mosquitto_pub', [...common(), '-V', '5', '-t', 'props/a', '-m', 'with props', '-q', '1',
      '-D', 'publish', 'user-property', 'k1', 'v1', '-D', 'publish', 'user-property', 'k2', 'v2',
      '-D', 'publish', 'content-type', 'text/plain', '-D', 'publish', 'response-topic', 'reply/here',
      '-D', 'publish', 'correlation-data', 'corr-42', '-D', 'publish', 'message-expiry-interval', '300']);
    await sub.finished();
    const [topic, qos, retain, users, contentType, responseTopic, correlation, expiry, payload] = sub.lines[0]!.split('|');
    assert.deepEqual({ topic, qos, retain, users, contentType, responseTopic, correlation, payload }, {
      topic: 'props/a', qos: '1', retain: '0', users: 'k1:v1 k2:v2', contentType: 'text/plain',
      responseTopic: 'reply/here', correlation: 'corr-42', payload: 'with props',
    });
    // The remaining lifetime is forwarded [MQTT-3.3.2-6]: at most what was sent.
    assert.ok(Number(expiry) > 0 && Number(expiry) <= 300, `expiry ${expiry}`);
  });

  it('mosquitto_pub -V 5 to a 3.1.1 mosquitto_sub: properties are not forwarded to a 3.1.1 client', async () => {
    const ready = subscribed(ours.broker, 'old');
    const sub = procs.spawn('mosquitto_sub', [...common(), '-V', 'mqttv311', '-i', 'old', '-t', 'mixed', '-q', '1', '-F', FORMAT, '-C', '1', '-W', '10']);
    await ready;
    await procs.run('mosquitto_pub', [...common(), '-V', '5', '-t', 'mixed', '-m', 'across versions', '-q', '1', '-D', 'publish', 'user-property', 'k', 'v']);
    await sub.finished();
    assert.deepEqual(sub.lines, ['mixed|1|0|across versions']);
  });

  describeWithTools('request / response', ['paho'], () => {
    for (const qos of [0, 1] as const) {
      it(`[v5 MQTT-3.3.2-15] [v5 MQTT-3.3.2-16] mosquitto_rr gets the paho responder's reply with its Correlation Data (QoS ${qos})`, async () => {
        const { paho } = await Paho.connect(procs, { port: ours.port, clientId: `responder${qos}`, version: 5, respond: true });
        assert.deepEqual(await paho.subscribe('service/echo', 1), [1]);
        const out = await procs.run('mosquitto_rr', [...common(), '-V', '5', '-t', 'service/echo', '-e', `rr/reply/${qos}`, '-m', 'ping',
          '-q', String(qos), '-D', 'publish', 'correlation-data', `req-${qos}`, '-F', '%t|%D|%P|%p', '-W', '5']);
        assert.deepEqual(out, [`rr/reply/${qos}|req-${qos}|responder:paho|re:ping`]);
        const [request] = await paho.messagesUntil(1);
        assert.equal(request!.responseTopic, `rr/reply/${qos}`);
        assert.equal(Buffer.from(request!.correlationData!, 'hex').toString(), `req-${qos}`);
        await paho.disconnect();
      });
    }
  });
});
