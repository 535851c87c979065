// A numbered stream through Mosquitto while the broker restarts (persistence on): QoS 1 loses nothing
// (duplicates allowed), QoS 2 loses nothing and duplicates nothing.
import assert from 'node:assert/strict';
import type { QoS } from '../../src/codec/types';
import { statusUntil } from '../client/helpers/wait';
import { Clients, Collector } from './client-helpers';
import { describeWithMosquitto, Mosquitto } from './mosquitto';

const COUNT = 400;

describeWithMosquitto('client interop with Mosquitto: broker restart mid-stream', function () {
  this.timeout(30_000);
  let broker: Mosquitto;
  const clients = new Clients();

  beforeEach(async () => {
    broker = await Mosquitto.start({ persistence: true });
  });
  afterEach(async () => {
    await clients.disposeAll();
    await broker?.stop();
  });

  async function stream(qos: QoS, protocolVersion: 4 | 5): Promise<{ received: number[]; unique: Set<number> }> {
    const session = { clean: false, protocolVersion, sessionExpiryInterval: 3600 } as const;
    const sub = await clients.connected({ url: broker.url, clientId: `sub-q${qos}`, ...session });
    let resumed = 0;
    sub.on('connected', (info) => void (info.sessionPresent && resumed++));
    const got = new Collector(sub);
    await sub.subscribe([{ topicFilter: 'stream/#', qos }]);
    const pub = await clients.connected({ url: broker.url, clientId: `pub-q${qos}`, ...session });
    const done: Array<Promise<unknown>> = [];
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < COUNT; i++) {
      done.push(pub.publish({ topic: 'stream/n', payload: String(i), qos }));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
      if (i === COUNT / 2) restarted = broker.restart();
    }
    await restarted;
    await Promise.all(done); // every publish completes: PUBACK / PUBCOMP after the restart
    await statusUntil(sub, (s) => s.phase === 'connected', 10_000);
    const received = (): number[] => got.messages.filter((m) => m.topic === 'stream/n').map((m) => Number(m.payload.toString()));
    await pub.publish({ topic: 'stream/end', payload: 'end', qos });
    await waitFor(() => got.messages.some((m) => m.topic === 'stream/end'), 15_000);
    assert.ok(resumed >= 1, 'the subscriber reconnected to a resumed session after the restart');
    return { received: received(), unique: new Set(received()) };
  }

  for (const protocolVersion of [4, 5] as const) {
    const tag = protocolVersion === 5 ? 'v5' : '3.1.1';
    it(`QoS 1: zero lost, duplicates only as QoS 1 allows [${tag} MQTT-4.4.0-1]`, async () => {
      const { received, unique } = await stream(1, protocolVersion);
      const missing = [...Array(COUNT).keys()].filter((i) => !unique.has(i));
      assert.deepEqual(missing, [], `lost ${missing.length} of ${COUNT}`);
      assert.ok(received.length >= COUNT);
    });

    it(`QoS 2: zero lost, zero duplicated [${protocolVersion === 5 ? 'v5 MQTT-4.3.3-10' : '3.1.1 MQTT-4.3.3-2'}]`, async () => {
      const { received, unique } = await stream(2, protocolVersion);
      const missing = [...Array(COUNT).keys()].filter((i) => !unique.has(i));
      assert.deepEqual(missing, [], `lost ${missing.length} of ${COUNT}`);
      assert.equal(received.length, COUNT, `${received.length - COUNT} duplicates`);
    });
  }
});

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
