// A raw-packet test client for the broker: speaks our codec over an in-memory duplex (or TCP), keeps
// every received packet in order, and waits for the next one with a timeout.

import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Framer, decode, encode } from '../../src/codec';
import type {
  ConnackPacket, ConnectPacket, Packet, PacketOf, PacketType, ProtocolVersion, QoS, Subscription,
} from '../../src/codec/types';
import { Broker, type BrokerEvents, type BrokerHooks, type BrokerSetup } from '../../src/broker';

/** One end of an in-memory connection; bytes reach the other end on a later turn of the event loop. */
class End extends Duplex {
  peer!: End;
  readonly remoteAddress = 'memory';

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    setImmediate(() => {
      if (!this.peer.destroyed) this.peer.push(chunk);
      cb();
    });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    setImmediate(() => {
      if (!this.peer.destroyed) this.peer.push(null);
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    setImmediate(() => {
      if (!this.peer.destroyed) this.peer.destroy();
    });
    cb(err);
  }
}

export function duplexPair(): { client: Duplex; server: Duplex } {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return { client: a, server: b };
}

/** Every test broker is closed after its test. */
const brokers: Broker[] = [];
export function makeBroker(options: BrokerSetup = {}, hooks: BrokerHooks = {}): Broker {
  const broker = new Broker(options, hooks);
  brokers.push(broker);
  return broker;
}
export async function closeBrokers(): Promise<void> {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
}

export const DEFAULT_WAIT = 2000;

export class TestClient {
  version: ProtocolVersion;
  readonly received: Packet[] = [];
  /** Every frame received, raw, in order (for byte-level assertions). */
  readonly frames: Buffer[] = [];
  private readonly framer = new Framer();
  private waiter: (() => void) | undefined;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;
  private decodeError: unknown;

  /** The broker's end of an in-memory connection (to wait until the broker saw a drop). */
  serverEnd: Duplex | undefined;

  constructor(readonly stream: Duplex, version: ProtocolVersion = 5) {
    this.version = version;
    stream.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.framer.push(chunk)) {
          this.frames.push(Buffer.from(frame));
          this.received.push(decode(frame, this.version));
        }
      } catch (err) {
        this.decodeError = err;
      }
      this.waiter?.();
    });
    stream.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) => stream.once('close', () => {
      this.isClosed = true;
      this.waiter?.();
      resolve();
    }));
  }

  static inMemory(broker: Broker, version: ProtocolVersion = 5): TestClient {
    const { client, server } = duplexPair();
    broker.handleConnection(server, { listener: 'memory' });
    const c = new TestClient(client, version);
    c.serverEnd = server;
    return c;
  }

  static async tcp(port: number, version: ProtocolVersion = 5): Promise<TestClient> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TestClient(socket, version);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(packet: Packet): void {
    this.stream.write(encode(packet, this.version));
  }

  sendRaw(bytes: Buffer | number[]): void {
    this.stream.write(Buffer.from(bytes));
  }

  /** The next packet in arrival order; it must be of `type`. */
  async next<T extends PacketType>(type: T, timeout = DEFAULT_WAIT): Promise<PacketOf<T>> {
    const packet = await this.nextAny(timeout);
    assert.equal(packet.type, type, `expected ${type}, got ${JSON.stringify(packet, replacer)}`);
    return packet as PacketOf<T>;
  }

  async nextAny(timeout = DEFAULT_WAIT): Promise<Packet> {
    await this.until(() => this.received.length > 0 || this.isClosed, timeout, 'a packet');
    const packet = this.received.shift();
    if (!packet) throw new Error(`connection closed while waiting for a packet${this.decodeError ? `: ${String(this.decodeError)}` : ''}`);
    return packet;
  }

  /** Resolves when the broker closed the connection; fails if a packet arrives first (unless allowed). */
  async expectClose(options: { allow?: PacketType[]; timeout?: number } = {}): Promise<Packet[]> {
    const server = this.serverEnd;
    const serverClosed = server && !server.destroyed ? new Promise((r) => server.once('close', r)) : undefined;
    await this.until(() => this.isClosed, options.timeout ?? DEFAULT_WAIT, 'the connection to close');
    await serverClosed;
    const got = this.received.splice(0);
    for (const p of got) assert.ok(options.allow?.includes(p.type), `unexpected ${JSON.stringify(p, replacer)} before close`);
    return got;
  }

  /** Proves nothing else is pending: a PINGREQ must be answered by the very next packet. */
  async expectQuiet(): Promise<void> {
    this.send({ type: 'pingreq' });
    await this.next('pingresp');
  }

  async connect(fields: Partial<ConnectPacket> = {}): Promise<ConnackPacket> {
    this.send({ type: 'connect', protocolVersion: this.version, clientId: '', clean: true, keepalive: 0, ...fields });
    return this.next('connack');
  }

  async subscribe(subscriptions: Subscription[] | string, qos: QoS = 0, packetId = 1, properties?: { subscriptionIdentifier?: number }): Promise<PacketOf<'suback'>> {
    const subs = typeof subscriptions === 'string' ? [{ topicFilter: subscriptions, qos }] : subscriptions;
    this.send({ type: 'subscribe', packetId, subscriptions: subs, ...(properties ? { properties } : {}) });
    return this.next('suback');
  }

  publish(topic: string, payload: string | Buffer, options: { qos?: QoS; retain?: boolean; packetId?: number; dup?: boolean; properties?: PacketOf<'publish'>['properties'] } = {}): void {
    const qos = options.qos ?? 0;
    const packet: PacketOf<'publish'> = {
      type: 'publish', topic, payload: Buffer.from(payload), qos, retain: options.retain ?? false, dup: options.dup ?? false,
    };
    if (qos > 0) packet.packetId = options.packetId ?? 1;
    if (options.properties) packet.properties = options.properties;
    this.send(packet);
  }

  /** Closes our side cleanly (DISCONNECT first unless told otherwise). */
  async disconnect(reasonCode?: number): Promise<void> {
    const server = this.serverEnd;
    const serverClosed = server && !server.destroyed ? new Promise((r) => server.once('close', r)) : undefined;
    this.send(reasonCode === undefined ? { type: 'disconnect' } : { type: 'disconnect', reasonCode });
    await this.until(() => this.isClosed, DEFAULT_WAIT, 'the broker to close after DISCONNECT');
    await serverClosed;
  }

  /** Drops the connection without DISCONNECT (a network failure from the broker's point of view). */
  async drop(): Promise<void> {
    const server = this.serverEnd;
    const serverClosed = server && !server.destroyed ? new Promise((r) => server.once('close', r)) : undefined;
    this.stream.destroy();
    await this.closedPromise;
    await serverClosed;
  }

  async end(): Promise<void> {
    if (!this.isClosed) this.stream.destroy();
    await this.closedPromise;
  }

  private until(ready: () => boolean, timeout: number, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; received ${JSON.stringify(this.received, replacer)}`));
      }, timeout);
      this.waiter = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
    });
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString();
  }
  return value;
}

/** Connects a client and asserts a successful CONNACK. */
export async function connected(broker: Broker, fields: Partial<ConnectPacket> & { version?: ProtocolVersion } = {}): Promise<TestClient> {
  const { version, ...rest } = fields;
  const client = TestClient.inMemory(broker, version ?? 5);
  const connack = await client.connect(rest);
  assert.equal(connack.reasonCode, 0, `CONNACK ${connack.reasonCode}`);
  return client;
}

/** Waits for an event emitted by the broker, with a timeout. */
export function nextEvent<K extends keyof BrokerEvents>(broker: Broker, event: K, timeout = DEFAULT_WAIT): Promise<BrokerEvents[K]> {
  return new Promise((resolve, reject) => {
    const handler = (...args: BrokerEvents[K]): void => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      broker.off(event, handler as never);
      reject(new Error(`timed out waiting for event ${event}`));
    }, timeout);
    broker.once(event, handler as never);
  });
}

/** Lets wall-clock time pass: only for tests whose subject is time itself (expiry intervals). */
export function elapse(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Acknowledges a received QoS 1/2 PUBLISH the way a well-behaved client does. */
export async function ack(client: TestClient, packet: { qos: number; packetId?: number }): Promise<void> {
  if (packet.qos === 1) client.send({ type: 'puback', packetId: packet.packetId!, reasonCode: 0 });
  if (packet.qos === 2) {
    client.send({ type: 'pubrec', packetId: packet.packetId!, reasonCode: 0 });
    const rel = await client.next('pubrel');
    client.send({ type: 'pubcomp', packetId: rel.packetId, reasonCode: 0 });
  }
}
