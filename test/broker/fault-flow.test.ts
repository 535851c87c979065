// Fault injection on flow control: a subscriber too slow to keep up (a paused TCP reader), a client flooding
// past Receive Maximum, and packets larger than the broker accepts. The broker's memory per connection stays
// bounded (socket backlog <= maxWriteBuffer + one frame, queue <= maxQueued), QoS 0 that cannot be written is
// dropped and counted, queued QoS 1 is delivered in order once the reader resumes, and nobody else notices.
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker';
import { encode } from '../../src/codec';
import type { Packet } from '../../src/codec/types';
import { RecordingListener } from './fault-helpers';
import { TestClient, closeBrokers, connected, makeBroker } from './helpers';

/**
 * Reads until a PINGRESP answers a PINGREQ, acknowledging QoS 1 and completing QoS 2 on the way, and repeats
 * while a round brought messages (acknowledgements release queued ones, sent after that PINGRESP).
 * Returns every packet received before the last PINGRESP.
 */
async function drain(c: TestClient, timeout = 10_000): Promise<Packet[]> {
  const got: Packet[] = [];
  for (let more = true; more;) {
    more = false;
    c.send({ type: 'pingreq' });
    for (let p = await c.nextAny(timeout); p.type !== 'pingresp'; p = await c.nextAny(timeout)) {
      if (p.type === 'publish' && p.qos === 1) c.send({ type: 'puback', packetId: p.packetId!, reasonCode: 0 });
      if (p.type === 'publish' && p.qos === 2) c.send({ type: 'pubrec', packetId: p.packetId!, reasonCode: 0 });
      if (p.type === 'pubrel') c.send({ type: 'pubcomp', packetId: p.packetId, reasonCode: 0 });
      if (p.type === 'publish' || p.type === 'pubrel') more = true;
      got.push(p);
    }
  }
  return got;
}

describe('broker faults: slow consumers, floods and oversized packets', function () {
  this.timeout(30_000);
  const open: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.end()));
    await closeBrokers();
  });

  async function tcpBroker(options: Parameters<typeof makeBroker>[0]): Promise<{ broker: Broker; listener: RecordingListener; port: number }> {
    const broker = makeBroker(options);
    const listener = new RecordingListener();
    await broker.listen(listener);
    return { broker, listener, port: listener.address()!.port };
  }

  async function tcpClient(port: number, clientId: string, version: 4 | 5 = 5): Promise<TestClient> {
    const c = await TestClient.tcp(port, version);
    open.push(c);
    assert.equal((await c.connect({ clientId })).reasonCode, 0);
    return c;
  }

  it('a paused reader: backlog capped at maxWriteBuffer + one frame, QoS 0 dropped and counted, queued QoS 1 delivered in order on resume; a fast subscriber gets everything', async () => {
    const maxWriteBuffer = 64 * 1024;
    const { broker, listener, port } = await tcpBroker({ maxWriteBuffer, maxQueued: 1000 });
    const slow = await tcpClient(port, 'slow');
    const slowEnd = listener.streams[0]!;
    await slow.subscribe('flow/#', 1);
    const fast = await tcpClient(port, 'fast');
    await fast.subscribe('flow/#', 1);
    const pub = await tcpClient(port, 'pub');
    slow.stream.pause(); // stops reading: the kernel buffers fill, then the broker's

    let maxBacklog = 0;
    broker.on('publish', () => {
      maxBacklog = Math.max(maxBacklog, slowEnd.writableLength);
    });
    const payload = Buffer.alloc(4096, 0x61);
    const qos0 = 5000; // 20 MB: far more than the loopback socket buffers hold
    const qos1: string[] = [];
    let fastGot = 0;
    for (let i = 0; i < qos0; i++) {
      pub.publish('flow/zero', payload);
      if (i % 50 === 0) {
        qos1.push(`q${i}`);
        pub.publish('flow/one', `q${i}`, { qos: 1, packetId: (qos1.length % 60000) + 1 });
      }
      if (i % 500 === 499) {
        // Keep the fast subscriber and the publisher's acks moving, as a real client would.
        const got = await drain(fast);
        fastGot += got.filter((p) => p.type === 'publish').length;
        await drain(pub);
      }
    }
    fastGot += (await drain(fast)).filter((p) => p.type === 'publish').length;
    await drain(pub); // every publish above has been routed
    assert.equal(fastGot, qos0 + qos1.length, 'the fast subscriber got every message');

    const dropped = broker.stats.droppedQos0;
    assert.ok(dropped > 0, 'QoS 0 to the paused reader was dropped');
    assert.ok(maxBacklog > maxWriteBuffer / 2, `the backlog did build up (${maxBacklog} bytes)`);
    assert.ok(maxBacklog <= maxWriteBuffer + payload.length + 64, `broker backlog ${maxBacklog} bytes > maxWriteBuffer + one frame`);
    assert.equal(broker.stats.droppedQueueFull, 0);

    slow.stream.resume();
    const got = await drain(slow, 20_000);
    const ones = got.filter((p) => p.type === 'publish' && p.qos === 1).map((p) => (p as { payload: Buffer }).payload.toString());
    const zeros = got.filter((p) => p.type === 'publish' && p.qos === 0).length;
    assert.deepEqual(ones, qos1, 'every QoS 1 message, in order');
    assert.equal(zeros + dropped, qos0, 'each QoS 0 message was either delivered or counted as dropped');
    assert.equal(slowEnd.writableLength, 0);
  });

  it('a burst larger than maxWriteBuffer, read in one loop iteration, reaches a fast subscriber whole (no QoS 0 dropped)', async () => {
    const { broker, port } = await tcpBroker({ maxWriteBuffer: 64 * 1024 });
    const fast = await tcpClient(port, 'fast');
    await fast.subscribe('burst/#', 0);
    const pub = await tcpClient(port, 'pub');
    // 2 MB in one write: the broker reads it in a few large chunks and routes it within one or two iterations.
    const frames = Array.from({ length: 500 }, (_, i) => encode({ type: 'publish', topic: 'burst/x', payload: Buffer.alloc(4096, i % 256), qos: 0, retain: false, dup: false }, 5));
    pub.sendRaw(Buffer.concat(frames));
    await drain(pub);
    assert.equal(broker.stats.droppedQos0, 0);
    assert.equal((await drain(fast)).filter((p) => p.type === 'publish').length, 500);
  });

  it('a paused reader with a small queue: QoS 1 beyond maxQueued is dropped and counted; what is delivered keeps its order', async () => {
    const { broker, port } = await tcpBroker({ maxWriteBuffer: 16 * 1024, maxQueued: 20, maxInflight: 10 });
    const slow = await tcpClient(port, 'slow');
    await slow.subscribe('small/#', 1);
    const pub = await tcpClient(port, 'pub');
    slow.stream.pause();
    const payload = Buffer.alloc(8192, 0x62);
    const sent: string[] = [];
    for (let i = 0; i < 2000; i++) {
      // 16 MB of QoS 1 in total: the window and socket buffers fill, then the queue, then messages are dropped.
      const tag = `m${String(i).padStart(4, '0')}`;
      sent.push(tag);
      pub.publish('small/x', Buffer.concat([Buffer.from(tag), payload]), { qos: 1, packetId: (i % 60000) + 1 });
      if (i % 200 === 199) await drain(pub);
    }
    await drain(pub);
    const droppedQueueFull = broker.stats.droppedQueueFull;
    assert.ok(droppedQueueFull > 0, 'the queue overflowed');
    slow.stream.resume();
    const got = (await drain(slow, 20_000)).filter((p) => p.type === 'publish').map((p) => (p as { payload: Buffer }).payload.subarray(0, 5).toString());
    assert.equal(got.length + droppedQueueFull, sent.length, 'each message either delivered or counted as dropped');
    assert.deepEqual(got, [...got].sort(), 'delivered in order');
    assert.equal(new Set(got).size, got.length, 'no duplicates');
  });

  for (const version of [5, 4] as const) {
    it(`[v5 MQTT-3.3.4-7] a flood of QoS 2 PUBLISH past Receive Maximum: exactly Receive Maximum are routed, then ${version === 5 ? 'DISCONNECT 0x93' : 'close (3.1.1)'}; others unaffected`, async () => {
      const broker = makeBroker({ receiveMaximum: 10 });
      const sub = await connected(broker, { clientId: 'sub' });
      await sub.subscribe('flood/#', 2);
      const flooder = await connected(broker, { clientId: 'flooder', version });
      const frames: Buffer[] = [];
      for (let i = 1; i <= 1000; i++) {
        frames.push(encode({ type: 'publish', topic: 'flood/x', payload: Buffer.from(String(i)), qos: 2, retain: false, dup: false, packetId: i }, flooder.version));
      }
      flooder.sendRaw(Buffer.concat(frames)); // one write: the broker sees them all at once
      const got = await flooder.expectClose({ allow: ['pubrec', 'disconnect'] });
      assert.equal(got.filter((p) => p.type === 'pubrec').length, 10);
      const last = got[got.length - 1]!;
      if (version === 5) assert.deepEqual([last.type, (last as { reasonCode: number }).reasonCode], ['disconnect', 0x93]);
      else assert.equal(last.type, 'pubrec');
      const delivered: string[] = [];
      for (const p of await drain(sub)) if (p.type === 'publish') delivered.push(p.payload.toString());
      assert.deepEqual(delivered, Array.from({ length: 10 }, (_, i) => String(i + 1)), 'nothing after the limit was routed');
    });
  }

  it('[v5 MQTT-3.3.4-1] a flood of QoS 1 PUBLISH is fine: each is acknowledged at once, so Receive Maximum is never exceeded', async () => {
    const broker = makeBroker({ receiveMaximum: 10 });
    const sub = await connected(broker, { clientId: 'sub' });
    await sub.subscribe('flood/#', 0);
    const pub = await connected(broker, { clientId: 'pub' });
    const frames: Buffer[] = [];
    for (let i = 1; i <= 1000; i++) frames.push(encode({ type: 'publish', topic: 'flood/q1', payload: Buffer.from(String(i)), qos: 1, retain: false, dup: false, packetId: i }, pub.version));
    pub.sendRaw(Buffer.concat(frames));
    const acks = (await drain(pub)).filter((p) => p.type === 'puback');
    assert.equal(acks.length, 1000);
    assert.equal((await drain(sub)).filter((p) => p.type === 'publish').length, 1000);
  });

  for (const version of [5, 4] as const) {
    it(`[${version === 5 ? 'v5 MQTT-4.13.1-1' : '3.1.1 MQTT-4.8.0-1'}] a huge packet is refused from its fixed header alone (${version === 5 ? 'DISCONNECT 0x95' : 'close'}), before any of its body is buffered`, async () => {
      const broker = makeBroker({ maxPacketSize: 1024 });
      const bystander = await connected(broker, { clientId: 'bystander' });
      await bystander.subscribe('big/#', 0);
      const c = await connected(broker, { clientId: `huge${version}`, version });
      const bytesBefore = broker.stats.bytesIn;
      // PUBLISH announcing 200 MB (Remaining Length 200,000,000): only the fixed header and 2 bytes are sent.
      c.sendRaw([0x30, 0x80, 0x84, 0xaf, 0x5f, 0x00, 0x05]);
      const got = await c.expectClose({ allow: ['disconnect'] });
      if (version === 5) assert.deepEqual(got.map((p) => (p as { reasonCode: number }).reasonCode), [0x95]);
      else assert.deepEqual(got, []);
      assert.ok(broker.stats.bytesIn - bytesBefore <= 7, 'the broker read only what was sent');
      await broker.publish({ topic: 'big/ok', payload: 'still serving' });
      assert.equal((await bystander.next('publish')).payload.toString(), 'still serving');
    });
  }

  it('[v5 MQTT-3.2.2-15] maxPacketSize is the whole packet: exactly at the limit is accepted, one byte more is 0x95', async () => {
    const max = 200;
    const broker = makeBroker({ maxPacketSize: max });
    const c = await connected(broker, { clientId: 'edge' });
    await c.subscribe('edge', 0);
    // PUBLISH QoS 0 v5: 1 (type) + 2 (Remaining Length >= 128) + 2 + 4 ("edge") + 1 (no properties) + payload.
    const fits = max - (1 + 2 + 2 + 4 + 1);
    c.publish('edge', 'x'.repeat(fits));
    const echo = await c.next('publish');
    assert.equal(echo.payload.length, fits);
    c.publish('edge', 'x'.repeat(fits + 1));
    const got = await c.expectClose({ allow: ['disconnect'] });
    assert.deepEqual(got.map((p) => (p as { reasonCode: number }).reasonCode), [0x95]);
  });
});
