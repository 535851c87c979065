// Our client and pool against our embedded broker, in-process: over the in-memory duplex transport
// (memory://) and over loopback TCP, MQTT 3.1.1 and 5.
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker';
import { Connection } from '../../src/client/connection';
import { normalizeOptions, type ConnectionOptionsInput } from '../../src/client/options';
import { ConnectionPool } from '../../src/client/pool';
import { listenMemory } from '../../src/client/transports';
import type { Delivery } from '../../src/client/types';
import type { PublishPacket } from '../../src/codec/types';
import { withTimeout } from './helpers/wait';

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

  function messages(c: Connection): { got: PublishPacket[]; wait(n: number): Promise<void> } {
    const got: PublishPacket[] = [];
    const waiters: Array<() => void> = [];
    c.on('message', (p) => {
      got.push(p);
      waiters.splice(0).forEach((w) => w());
    });
    return {
      got,
      wait: (n) =>
        withTimeout(
          new Promise<void>((resolve) => {
            const check = (): void => (got.length >= n ? resolve() : void waiters.push(check));
            check();
          }),
          3000,
          `${n} messages`,
        ),
    };
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
