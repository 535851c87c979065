// Streaming framer: chunks of any size in, complete frames out; size limit enforced from the fixed header.
import assert from 'node:assert/strict';
import {
  Framer, MAX_PACKET_SIZE, MalformedPacketError, PacketTooLargeError, decode, encode, type PublishPacket,
} from '../../src/codec/index';
import { assertMqttError, framesOf, hex } from './helpers';

const publish = (payload: number, packetId = 1): Buffer =>
  encode({ type: 'publish', topic: 'a/b', payload: Buffer.alloc(payload, 0x61), qos: 1, retain: false, dup: false, packetId } as PublishPacket, 4);

describe('codec framer', () => {
  it('returns frames lying inside one chunk as views of that chunk (no copy)', () => {
    const chunk = Buffer.concat([publish(10), publish(20, 2), hex`c0 00`]);
    const frames = new Framer().push(chunk);
    assert.equal(frames.length, 3);
    let offset = chunk.byteOffset;
    for (const f of frames) {
      assert.equal(f.buffer, chunk.buffer, 'frame shares the chunk memory');
      assert.equal(f.byteOffset, offset);
      offset += f.length;
    }
    assert.deepStrictEqual(frames[2], hex`c0 00`);
  });

  it('assembles a frame split across chunks once, and keeps later frames in the last chunk as views', () => {
    const a = publish(100);
    const b = publish(5, 2);
    const framer = new Framer();
    assert.deepStrictEqual(framer.push(a.subarray(0, 50)), []);
    assert.equal(framer.pendingBytes, 50);
    const last = Buffer.concat([a.subarray(50), b]);
    const frames = framer.push(last);
    assert.equal(frames.length, 2);
    assert.deepStrictEqual(frames[0], a);
    const overlaps = (x: Buffer, y: Buffer): boolean =>
      x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.length && y.byteOffset < x.byteOffset + x.length;
    assert.ok(!overlaps(frames[0], last) && !overlaps(frames[0], a), 'split frame is assembled into its own memory');
    assert.equal(frames[1].buffer, last.buffer, 'next frame is a view of the chunk');
    assert.equal(frames[1].byteOffset, last.byteOffset + a.length - 50);
    assert.equal(framer.pendingBytes, 0);
  });

  it('handles a fixed header split inside its Remaining Length', () => {
    const big = publish(300); // Remaining Length takes 2 bytes
    for (let split = 1; split <= 3; split++) assert.deepStrictEqual(framesOf(big, { splitAt: split }), [big], `split ${split}`);
  });

  it('[v5 MQTT-6.0.0-2] [3.1.1 MQTT-6.0.0-2] yields the same frames for every chunk size', () => {
    const stream = Buffer.concat([publish(0), publish(127), publish(128, 2), publish(16_380, 3), hex`d0 00`]);
    const whole = framesOf(stream, {});
    assert.equal(whole.length, 5);
    for (const size of [1, 2, 3, 5, 7, 64, 127, 128, 1000, 4096, 16_384]) {
      assert.deepStrictEqual(framesOf(stream, { size }), whole, `chunk size ${size}`);
    }
  });

  it('ignores empty chunks', () => {
    const framer = new Framer();
    assert.deepStrictEqual(framer.push(Buffer.alloc(0)), []);
    framer.push(hex`c0`);
    assert.deepStrictEqual(framer.push(Buffer.alloc(0)), []);
    assert.deepStrictEqual(framer.push(hex`00`), [hex`c0 00`]);
  });

  it('[v5 MQTT-3.2.2-15] [v5 MQTT-3.1.2-24] refuses a packet over the Maximum Packet Size from its fixed header, before buffering the body', () => {
    const framer = new Framer({ maximumPacketSize: 100 });
    assert.equal(framer.push(publish(95 - 7)).length, 1, 'exactly 100 bytes pass');
    // Only the fixed header of a 1 MiB packet has arrived: refused now, nothing of the body is held.
    const header = publish(1 << 20).subarray(0, 4);
    assertMqttError(() => framer.push(header), { cls: PacketTooLargeError, code: 0x95, statement: undefined });
    assert.equal(framer.pendingBytes, 0);
  });

  it('refuses an oversized packet whose fixed header arrives in pieces', () => {
    const framer = new Framer({ maximumPacketSize: 1000 });
    const header = publish(5000).subarray(0, 3);
    assert.deepStrictEqual(framer.push(header.subarray(0, 2)), []);
    assertMqttError(() => framer.push(header.subarray(2)), { cls: PacketTooLargeError, code: 0x95, statement: undefined });
  });

  it('the limit can change between packets (e.g. after CONNECT negotiates it)', () => {
    const framer = new Framer();
    assert.equal(framer.maximumPacketSize, MAX_PACKET_SIZE);
    framer.maximumPacketSize = 10;
    assert.throws(() => framer.push(publish(10)), PacketTooLargeError);
    assert.throws(() => new Framer({ maximumPacketSize: 1 }), RangeError);
    assert.throws(() => new Framer({ maximumPacketSize: MAX_PACKET_SIZE + 1 }), RangeError);
  });

  it('refuses a Remaining Length of more than 4 bytes as soon as the fifth byte arrives', () => {
    const framer = new Framer();
    assert.deepStrictEqual(framer.push(hex`30 ff ff ff`), []);
    assertMqttError(() => framer.push(hex`ff 01`), { cls: MalformedPacketError, code: 0x81, statement: undefined });
  });

  it('[v5 MQTT-1.5.5-1] refuses a Remaining Length that is not in its shortest form', () => {
    assertMqttError(() => new Framer().push(hex`30 80 00`), { cls: MalformedPacketError, code: 0x81, statement: 'MQTT-1.5.5-1' });
  });

  it('reset() drops a partial frame', () => {
    const framer = new Framer();
    framer.push(publish(10).subarray(0, 5));
    framer.reset();
    assert.equal(framer.pendingBytes, 0);
    assert.deepStrictEqual(framer.push(hex`c0 00`), [hex`c0 00`]);
  });

  it('frames decode to packets whose payload shares the chunk', () => {
    const chunk = Buffer.concat([publish(3), publish(4, 2)]);
    const [first, second] = new Framer().push(chunk).map((f) => decode(f, 4)) as PublishPacket[];
    assert.equal(first.payload.toString(), 'aaa');
    assert.equal(second.payload.buffer, chunk.buffer);
  });
});
