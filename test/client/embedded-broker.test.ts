// Our client and pool against our embedded broker, in-process: over the in-memory duplex transport
// (memory://) and over loopback TCP, MQTT 3.1.1 and 5.
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker';
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import { ConnectionPool } from '../../src/client/pool';
import { listenMemory } from '../../src/client/transports';
import { TransportError } from '../../src/client/errors';
import type { ConnectionStatus, Delivery } from '../../src/client/types';
import type { PublishPacket } from '../../src/codec/types';
import { Arrivals, withTimeout } from './helpers/wait';

describe('client with the embedded broker', () => {
  let broker: Broker;
  let memory: { close(): void };
  let tcpUrl: string;
  const name = `embedded-${process.pid}`;
  const clients: Connection[] = [];

  before(async () => {
    broker = new Broker();
    const listener = await broker.listen({ port: 0, host: '127.0.0.1' });
    tcpUrl = `mqtt://127.0.0.1:${listener.address()!.port}`;
    memory = listenMemory(name, (socket) => broker.handleConnection(socket, { listener: 'memory' }));
  });
  after(async () => {
    memory.close();
    await broker.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });

  async function connected(options: ConnectionOptionsInput): Promise<Connection> {
    const c = new Connection(normalizeOptions(options));
    clients.push(c);
    const up = withTimeout(new Promise((r) => c.once('connected', r)), 3000, 'connected');
    c.open();
    await up;
    return c;
  }

  function messages(c: Connection): Arrivals<PublishPacket> {
    const inbox = new Arrivals<PublishPacket>('messages');
    c.on('message', inbox.add);
    return inbox;
  }

  for (const transport of ['memory', 'tcp'] as const) {
    for (const protocolVersion of [4, 5] as const) {
      it(`round-trips QoS 0, 1 and 2 over ${transport} with MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}`, async () => {
        const url = transport === 'memory' ? `memory://${name}` : tcpUrl;
        const sub = await connected({ url, protocolVersion });
        const inbox = messages(sub);
        assert.deepEqual((await sub.subscribe([{ topicFilter: `e/${transport}/#`, qos: 2 }])).reasonCodes, [2]);
        const pub = await connected({ url, protocolVersion });
        for (const qos of [0, 1, 2] as const) await pub.publish({ topic: `e/${transport}/${qos}`, payload: `m${qos}`, qos });
        await inbox.wait(3);
        assert.deepEqual(inbox.got.map((p) => [p.topic, p.qos, p.payload.toString()]), [
          [`e/${transport}/0`, 0, 'm0'],
          [`e/${transport}/1`, 1, 'm1'],
          [`e/${transport}/2`, 2, 'm2'],
        ]);
      });
    }
  }

  it('over memory://, a deliberate close sends DISCONNECT (no will); a lost connection publishes the will', async () => {
    const url = `memory://${name}`;
    const watcher = await connected({ url, protocolVersion: 5 });
    const inbox = messages(watcher);
    await watcher.subscribe([{ topicFilter: 'will/mem/#', qos: 1 }]);
    const polite = await connected({ url, protocolVersion: 5, will: { topic: 'will/mem/polite', payload: 'no' } });
    await polite.close();
    const lost = await connected({ url, protocolVersion: 5, reconnect: false, will: { topic: 'will/mem/lost', payload: 'gone' } });
    (lost as unknown as { wire: { transport: { destroy(): void } } }).wire.transport.destroy(); // abnormal loss, no DISCONNECT
    await inbox.wait(1);
    assert.deepEqual(inbox.got.map((p) => p.topic), ['will/mem/lost']);
  });

  it('over memory://, a connection opened before its broker listens connects when the listener appears, without a refusal', async () => {
    const lateName = `${name}-late`;
    const c = new Connection(normalizeOptions({ url: `memory://${lateName}`, protocolVersion: 5 }));
    clients.push(c);
    const statuses: string[] = [];
    c.on('status', (s) => statuses.push(s.error ? `${s.phase}: ${s.error.message}` : s.phase));
    const connecting = withTimeout(new Promise<void>((r) => c.on('status', (s) => s.phase === 'connecting' && r())), 3000, 'connecting');
    c.open();
    await connecting;
    // The memory store loads within microtasks: one event-loop turn later the attempt is in the transport.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(statuses, ['connecting'], 'waiting for the listener, not refused');
    const late = listenMemory(lateName, (socket) => broker.handleConnection(socket, { listener: 'memory' }));
    try {
      await withTimeout(new Promise((r) => c.once('connected', r)), 3000, 'connected');
      assert.deepEqual(statuses, ['connecting', 'connected']);
    } finally {
      late.close();
    }
  });

  it('over memory://, nobody listening: refused once the connect timeout is over, then the reconnect delay', async () => {
    const c = new Connection(normalizeOptions({ url: `memory://${name}-nobody`, connectTimeout: 50, reconnect: { initialDelayMs: 60_000 } }));
    clients.push(c);
    const reconnecting = withTimeout(
      new Promise<ConnectionStatus>((r) => c.on('status', (s) => s.phase === 'reconnecting' && r(s))),
      3000,
      'reconnecting',
    );
    c.open();
    const status = await reconnecting;
    assert.ok(status.error instanceof TransportError && status.error.kind === 'refused');
    assert.equal(status.error.message, `no in-process broker listening as memory://${name}-nobody (waited 50 ms)`);
    assert.equal(status.retryReason, 'backoff');
  });

  for (const mode of [
    { name: 'MQTT 3.1.1', protocolVersion: 4, identifiers: true },
    { name: 'MQTT 5 without Subscription Identifiers', protocolVersion: 5, identifiers: false },
    { name: 'MQTT 5 with Subscription Identifiers', protocolVersion: 5, identifiers: true },
  ] as const) {
    it(`pool, ${mode.name}: two identical publishes in a row on overlapping filters both arrive, once per lease`, async () => {
      // The embedded broker sends one copy per client; with identifiers off a second broker instance says so.
      const own = mode.identifiers ? undefined : new Broker({ subscriptionIdentifiers: false });
      const ownName = `${name}-noids`;
      const ownMemory = own ? listenMemory(ownName, (socket) => own.handleConnection(socket, { listener: 'memory' })) : undefined;
      const pool = new ConnectionPool();
      try {
        await pool.define('cfg', { url: `memory://${own ? ownName : name}`, protocolVersion: mode.protocolVersion });
        const a = pool.acquire('cfg', { id: 'a' });
        const b = pool.acquire('cfg', { id: 'b' });
        const got: string[] = [];
        let arrived: () => void = () => undefined;
        const on = (who: string) => (d: Delivery) => {
          got.push(`${who}:${d.subscription}:${d.packet.payload.toString()}`);
          arrived();
        };
        await a.subscribe('p/#', { qos: 1 }, on('a'));
        await a.subscribe('p/+', { qos: 1 }, on('a'));
        await b.subscribe('p/1', { qos: 0 }, on('b'));
        assert.equal(a.server?.subscriptionIdentifiersAvailable, mode.protocolVersion === 5 && mode.identifiers);
        await a.publish({ topic: 'p/1', payload: 'on', qos: 1 });
        await b.publish({ topic: 'p/1', payload: 'on', qos: 1 });
        const marker = new Promise<void>((resolve) => {
          arrived = () => void (got.includes('a:p/#:end') && resolve());
        });
        await b.publish({ topic: 'p/end', payload: 'end', qos: 1 });
        await withTimeout(marker, 3000, 'end marker');
        assert.deepEqual(got.sort(), ['a:p/#:end', 'a:p/#:on', 'a:p/#:on', 'b:p/1:on', 'b:p/1:on']);
        assert.equal(pool.get('cfg')!.stats.duplicates, 0);
      } finally {
        await pool.closeAll();
        ownMemory?.close();
        await own?.close();
      }
    });
  }
});
