// Fault injection over real TCP: a client that vanishes without FIN (half-open connection) is closed by keep
// alive, and connections that never finish CONNECT (slowloris: a byte at a time, or nothing at all, or an
// AUTH exchange left hanging) are closed by the CONNECT timeout. Small timeouts keep it fast; every wait is
// for the close event itself, bounded by a timeout.
//
// Timing bounds: the broker checks timers on a 500 ms housekeeping tick, and notes activity on that tick too
// (no clock read per chunk), so a silent client is closed between 1.5x its keep alive and 1.5x + 1 s after
// its last packet; a CONNECT timeout fires between connectTimeout and connectTimeout + 500 ms.
import assert from 'node:assert/strict';
import net from 'node:net';
import { encode } from '../../src/codec';
import type { Broker } from '../../src/broker';
import { RecordingListener } from './fault-helpers';
import { TestClient, closeBrokers, makeBroker, nextEvent } from './helpers';

const HOUSEKEEPING_MS = 500;
/** Scheduling slack for a loaded machine. */
const SLACK_MS = 500;

/**
 * A TCP relay between a client and the broker that can "cut the cable": from then on nothing is forwarded
 * either way and neither socket is closed, so the broker sees neither data nor FIN (a half-open connection).
 */
class Relay {
  private readonly server: net.Server;
  private readonly sockets: net.Socket[] = [];
  private cut = false;
  /** When the relay last forwarded bytes from the client to the broker. */
  lastForwarded = 0;

  constructor(private readonly target: number) {
    this.server = net.createServer((inbound) => {
      // allowHalfOpen: once cut, the relay does not even answer the broker's FIN (a peer that is gone).
      const outbound = net.connect({ port: this.target, host: '127.0.0.1', allowHalfOpen: true });
      this.sockets.push(inbound, outbound);
      inbound.on('data', (chunk: Buffer) => {
        if (this.cut) return;
        this.lastForwarded = Date.now();
        outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => {
        if (!this.cut) inbound.write(chunk);
      });
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
      inbound.on('close', () => (this.cut ? undefined : outbound.destroy()));
      outbound.on('close', () => (this.cut ? undefined : inbound.destroy()));
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The client vanishes: no more bytes, no FIN, no RST. */
  cutCable(): void {
    this.cut = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves with the time the socket closed; rejects after `timeout`. */
function closedWithin(socket: net.Socket, timeout: number): Promise<number> {
  if (socket.destroyed) return Promise.resolve(Date.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeout} ms`)), timeout);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now());
    });
  });
}

async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

describe('broker faults: half-open connections and slow CONNECT (TCP)', function () {
  this.timeout(15_000);
  let broker: Broker;
  let port: number;
  let listener: RecordingListener;
  const cleanup: Array<() => unknown> = [];

  async function start(...args: Parameters<typeof makeBroker>): Promise<void> {
    broker = makeBroker(...args);
    listener = new RecordingListener();
    await broker.listen(listener);
    port = listener.address()!.port;
  }

  beforeEach(() => start({ connectTimeout: 300 }));
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
    await closeBrokers();
  });

  async function bystander(): Promise<TestClient> {
    const c = await TestClient.tcp(port, 5);
    cleanup.push(() => c.end());
    assert.equal((await c.connect({ clientId: 'bystander' })).reasonCode, 0);
    return c;
  }

  for (const version of [5, 4] as const) {
    const tag = version === 5 ? 'v5 MQTT-3.1.2-22' : '3.1.1 MQTT-3.1.2-24';
    it(`[${tag}] a client that vanishes without FIN is closed by keep alive, 1.5x after its last packet; its Will goes out (${version === 5 ? 'v5' : '3.1.1'})`, async () => {
      const watcher = await bystander();
      await watcher.subscribe('will/#', 1);
      const relay = new Relay(port);
      cleanup.push(() => relay.close());
      const ghost = await TestClient.tcp(await relay.start(), version);
      cleanup.push(() => ghost.end());
      const keepalive = 1;
      await ghost.connect({ clientId: `ghost${version}`, keepalive, will: { topic: 'will/ghost', payload: Buffer.from('vanished'), qos: 1, retain: false } });
      ghost.send({ type: 'pingreq' });
      await ghost.next('pingresp');
      relay.cutCable();
      const last = relay.lastForwarded;
      const gone = nextEvent(broker, 'clientDisconnect', 1500 * keepalive + 2 * HOUSEKEEPING_MS + SLACK_MS + 3000);
      // The Will goes out when keep alive ends the connection [MQTT-3.1.2-8]: that moment is what is timed.
      const will = await watcher.next('publish', 1500 * keepalive + 2 * HOUSEKEEPING_MS + SLACK_MS + 1000);
      const silentFor = Date.now() - last;
      assert.equal(will.payload.toString(), 'vanished');
      assert.ok(silentFor >= 1500 * keepalive - 20, `closed after ${silentFor} ms of silence: not before 1.5x keep alive`);
      assert.ok(silentFor <= 1500 * keepalive + 2 * HOUSEKEEPING_MS + SLACK_MS, `closed after ${silentFor} ms of silence`);
      // The peer never answers the broker's FIN: the socket is still destroyed (2 s grace for the DISCONNECT).
      const [info, reason] = await gone;
      assert.equal(info.clientId, `ghost${version}`);
      assert.deepEqual([reason.origin, reason.reasonCode], ['server', 0x8d]);
      assert.equal(broker.stats.connections, 1, 'only the watcher is left');
      await watcher.expectQuiet();
    });
  }

  it('[v5 MQTT-3.1.4-1] slowloris: a CONNECT sent a byte at a time is cut off by the CONNECT timeout, before it completes', async () => {
    const watcher = await bystander();
    const connect = encode({ type: 'connect', protocolVersion: 5, clientId: 'slowloris-with-a-long-client-id', clean: true, keepalive: 0 }, 5);
    const socket = await rawSocket(port);
    cleanup.push(() => socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (b: Buffer) => received.push(b));
    const opened = Date.now();
    let sent = 0;
    // The attacker's own schedule (a byte every 40 ms; the whole CONNECT would take > 1.5 s), not a wait for the broker.
    const drip = setInterval(() => {
      if (sent < connect.length && !socket.destroyed) socket.write(connect.subarray(sent, ++sent));
    }, 40);
    cleanup.push(() => clearInterval(drip));
    const closedAt = await closedWithin(socket, 300 + HOUSEKEEPING_MS + SLACK_MS + 1000);
    clearInterval(drip);
    assert.ok(sent < connect.length, `closed after ${sent} of ${connect.length} bytes`);
    assert.ok(closedAt - opened >= 300, `closed ${closedAt - opened} ms after opening: not before connectTimeout`);
    assert.deepEqual(received, [], 'no CONNACK');
    assert.equal(broker.stats.sessions, 1, 'only the watcher has a session');
    await watcher.expectQuiet();
  });

  it('many connections that never send a byte are all closed by the CONNECT timeout, and never block a real client', async () => {
    const idle = await Promise.all(Array.from({ length: 50 }, () => rawSocket(port)));
    cleanup.push(() => idle.forEach((s) => s.destroy()));
    const watcher = await bystander(); // connects fine while 50 sockets sit there
    await Promise.all(idle.map((s) => closedWithin(s, 300 + HOUSEKEEPING_MS + SLACK_MS + 1000)));
    await listener.allClosed(50);
    assert.equal(broker.stats.connections, 1);
    await watcher.expectQuiet();
  });

  it('[v5 MQTT-4.12.0-1] an AUTH exchange left hanging by the client is closed by the CONNECT timeout', async () => {
    await closeBrokers();
    await start({ connectTimeout: 300, authMethods: ['challenge'] }, {
      authenticateEnhanced: () => ({ status: 'continue', data: Buffer.from('prove it') }),
    });
    const c = await TestClient.tcp(port, 5);
    cleanup.push(() => c.end());
    c.send({ type: 'connect', protocolVersion: 5, clientId: 'hang', clean: true, keepalive: 0, properties: { authenticationMethod: 'challenge' } });
    const auth = await c.next('auth');
    assert.equal(auth.reasonCode, 0x18);
    // never answers
    await c.expectClose({ timeout: 300 + HOUSEKEEPING_MS + SLACK_MS + 1000 });
    await listener.allClosed();
    assert.equal(broker.stats.connections, 0);
    assert.equal(broker.stats.sessions, 0);
  });
});
