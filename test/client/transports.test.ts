import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { TransportError } from '../../src/client/errors';
import { openTransport, listenMemory, type Endpoint, type MemoryServerSocket, type Transport, type TransportCloseInfo } from '../../src/client/transports';
import { mapTransportError } from '../../src/client/transports/map-error';
import { hasOpenssl, makePki, type Pki } from './helpers/pki';
import { deferred, withTimeout } from './helpers/wait';

function endpoint(over: Partial<Endpoint> & Pick<Endpoint, 'protocol' | 'port'>): Endpoint {
  return { host: '127.0.0.1', path: '/', tls: { rejectUnauthorized: true }, wsHeaders: {}, tcpKeepAliveMs: 1000, ...over };
}

async function listen(server: net.Server | http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function close(server: net.Server | http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Collects what a transport receives until `bytes` have arrived. */
function received(t: Transport, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  return withTimeout(
    new Promise((resolve) => {
      t.on('data', (c) => {
        chunks.push(c);
        n += c.length;
        if (n >= bytes) resolve(Buffer.concat(chunks));
      });
    }),
    3000,
    `${bytes} bytes`,
  );
}

function closeOf(t: Transport): Promise<TransportCloseInfo> {
  return withTimeout(new Promise((resolve) => t.once('close', resolve)), 3000, 'close');
}

async function openFails(ep: Endpoint, timeoutMs = 3000): Promise<TransportError> {
  try {
    const t = await openTransport(ep, { timeoutMs });
    t.destroy();
  } catch (err) {
    assert.ok(err instanceof TransportError, `expected TransportError, got ${String(err)}`);
    return err;
  }
  throw new Error('open succeeded');
}

describe('client transports', () => {
  describe('tcp', () => {
    let server: net.Server;
    let sockets: net.Socket[];
    let port: number;
    let firstSocket: Promise<net.Socket>;
    const accepted = (): Promise<net.Socket> => withTimeout(firstSocket, 1000, 'accept');
    beforeEach(async () => {
      sockets = [];
      const first = deferred<net.Socket>();
      firstSocket = first.promise;
      server = net.createServer((s) => {
        sockets.push(s);
        first.resolve(s);
        s.on('error', () => undefined);
      });
      port = await listen(server);
    });
    afterEach(async () => {
      sockets.forEach((s) => s.destroy());
      await close(server);
    });

    it('carries bytes both ways and closes gracefully with end()', async () => {
      const t = await openTransport(endpoint({ protocol: 'mqtt', port }), { timeoutMs: 2000 });
      assert.match(t.description, /^tcp 127\.0\.0\.1:\d+$/);
      const peer = await accepted();
      const got = received(t, 3);
      peer.write(Buffer.from([1, 2, 3]));
      assert.deepEqual([...(await got)], [1, 2, 3]);
      const atPeer = withTimeout(once(peer, 'data'), 2000, 'peer data');
      assert.equal(t.write(Buffer.from('hi')), true);
      assert.equal(String((await atPeer)[0]), 'hi');
      const ended = withTimeout(once(peer, 'end'), 2000, 'peer end');
      const closed = closeOf(t);
      await t.end();
      await ended;
      assert.deepEqual(await closed, {});
      assert.equal(t.closed, true);
    });

    it('reports a close by the peer as a reset with the address', async () => {
      const t = await openTransport(endpoint({ protocol: 'mqtt', port }), { timeoutMs: 2000 });
      const closed = closeOf(t);
      (await accepted()).destroy();
      const info = await closed;
      assert.equal(info.error?.kind, 'reset');
      assert.match(info.error!.message, /closed by 127\.0\.0\.1:\d+/);
    });

    it('reports backpressure and a later drain', async () => {
      const t = await openTransport(endpoint({ protocol: 'mqtt', port }), { timeoutMs: 2000 });
      const peer = await accepted();
      peer.pause();
      const big = Buffer.alloc(1 << 20);
      let writes = 0;
      while (t.write(big) && writes < 64) writes++;
      assert.ok(writes < 64, 'write() never reported backpressure');
      assert.ok(t.bufferedBytes > 0);
      const drained = withTimeout(new Promise<void>((r) => t.once('drain', r)), 5000, 'drain');
      peer.resume();
      await drained;
      t.destroy();
    });

    it('maps ECONNREFUSED to a "refused" cause naming the address', async () => {
      const probe = net.createServer();
      const freePort = await listen(probe);
      await close(probe);
      const err = await openFails(endpoint({ protocol: 'mqtt', port: freePort }));
      assert.equal(err.kind, 'refused');
      assert.equal(err.code, 'ECONNREFUSED');
      assert.match(err.message, new RegExp(`connection refused by 127\\.0\\.0\\.1:${freePort}`));
    });

    it('aborts a connection attempt through the signal', async () => {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(openTransport(endpoint({ protocol: 'mqtt', port }), { timeoutMs: 2000, signal: ac.signal }), {
        name: 'TransportError',
        kind: 'closed',
      });
    });
  });

  describe('error mapping', () => {
    it('names DNS failures with the host', () => {
      const e = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
      const mapped = mapTransportError(e, { host: 'nowhere.invalid', port: 1883 });
      assert.equal(mapped.kind, 'dns');
      assert.equal(mapped.message, 'DNS: cannot resolve host "nowhere.invalid" (ENOTFOUND)');
      assert.equal(mapped.original, e);
    });

    it('gives short human texts for TLS codes', () => {
      const cases: Array<[string, string]> = [
        ['CERT_HAS_EXPIRED', 'TLS: certificate expired'],
        ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS: self-signed certificate'],
        ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS: unknown CA (cannot verify the server certificate)'],
      ];
      for (const [code, text] of cases) {
        const mapped = mapTransportError(Object.assign(new Error(code), { code }), { host: 'h', port: 1 });
        assert.equal(mapped.message, text);
        assert.equal(mapped.kind, 'tls');
      }
    });
  });

  describe('tls', function () {
    let pki: Pki;
    const servers: net.Server[] = [];
    const openSockets = new Set<net.Socket>();
    before(function () {
      if (!hasOpenssl()) this.skip();
      pki = makePki();
    });
    after(() => pki?.cleanup());
    afterEach(async () => {
      openSockets.forEach((s) => s.destroy());
      openSockets.clear();
      await Promise.all(servers.splice(0).map(close));
    });

    async function tlsServer(options: tls.TlsOptions, onSecure?: (s: tls.TLSSocket) => void): Promise<number> {
      const server = tls.createServer(options, (s) => {
        openSockets.add(s);
        s.on('error', () => undefined);
        onSecure?.(s);
        s.on('data', (d) => s.write(d)); // echo
      });
      server.on('tlsClientError', () => undefined);
      server.on('connection', (s) => openSockets.add(s));
      servers.push(server);
      return listen(server);
    }

    const trusting = (port: number, extra: Partial<Endpoint['tls']> = {}, host = '127.0.0.1'): Endpoint =>
      endpoint({ protocol: 'mqtts', port, host, tls: { rejectUnauthorized: true, ca: pki.ca, ...extra } });

    it('connects with a trusted CA and echoes bytes', async () => {
      const port = await tlsServer({ ...pki.server });
      const t = await openTransport(trusting(port), { timeoutMs: 3000 });
      assert.match(t.description, /^tls 127\.0\.0\.1:/);
      const got = received(t, 4);
      t.write(Buffer.from('ping'));
      assert.equal(String(await got), 'ping');
      await t.end();
    });

    it('reports an expired certificate as "TLS: certificate expired"', async () => {
      const port = await tlsServer({ ...pki.expired });
      const err = await openFails(trusting(port));
      assert.equal(err.message, 'TLS: certificate expired');
      assert.equal(err.code, 'CERT_HAS_EXPIRED');
    });

    it('reports a self-signed certificate', async () => {
      const port = await tlsServer({ ...pki.selfSigned });
      const err = await openFails(trusting(port));
      assert.equal(err.kind, 'tls');
      assert.equal(err.message, 'TLS: self-signed certificate');
    });

    it('reports a certificate from an unknown CA', async () => {
      const port = await tlsServer({ ...pki.unknownCa });
      const err = await openFails(trusting(port));
      assert.match(err.message, /^TLS: unknown CA/);
    });

    it('reports a hostname mismatch naming the host', async () => {
      const port = await tlsServer({ ...pki.server });
      const err = await openFails(trusting(port, { servername: 'wrong.example' }));
      assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.match(err.message, /^TLS: hostname mismatch/);
    });

    it('accepts an untrusted certificate when verification is off', async () => {
      const port = await tlsServer({ ...pki.selfSigned });
      const t = await openTransport(endpoint({ protocol: 'mqtts', port, tls: { rejectUnauthorized: false } }), {
        timeoutMs: 3000,
      });
      await t.end();
    });

    it('sends SNI for host names, not for IP literals, and negotiates ALPN', async () => {
      const seen: Array<{ servername: string | false; alpn: string | false }> = [];
      const port = await tlsServer({ ...pki.server, ALPNProtocols: ['mqtt'] }, (s) =>
        seen.push({ servername: (s as tls.TLSSocket & { servername: string | false }).servername, alpn: s.alpnProtocol ?? false }),
      );
      const byName = await openTransport(trusting(port, { alpnProtocols: ['mqtt'] }, 'localhost'), { timeoutMs: 3000 });
      const byIp = await openTransport(trusting(port), { timeoutMs: 3000 });
      await withTimeout(
        new Promise<void>((r) => {
          const check = (): void => void (seen.length >= 2 ? r() : setImmediate(check));
          check();
        }),
        2000,
        'two handshakes',
      );
      const named = seen.find((s) => s.servername === 'localhost');
      assert.ok(named, `no SNI "localhost" in ${JSON.stringify(seen)}`);
      assert.equal(named.alpn, 'mqtt');
      assert.ok(seen.some((s) => s.servername === false), 'an IP literal must not be sent as SNI');
      await Promise.all([byName.end(), byIp.end()]);
    });

    it('authenticates with a client certificate as PEM and as PKCS#12 with a passphrase', async () => {
      const authorized: boolean[] = [];
      const port = await tlsServer({ ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (s) =>
        authorized.push(s.authorized),
      );
      const pem = await openTransport(trusting(port, { cert: pki.client.cert, key: pki.client.key }), { timeoutMs: 3000 });
      const echoed = received(pem, 1);
      pem.write(Buffer.from('x'));
      await echoed;
      const p12 = await openTransport(trusting(port, { pfx: pki.client.pfx, passphrase: pki.client.passphrase }), {
        timeoutMs: 3000,
      });
      const echoed2 = received(p12, 1);
      p12.write(Buffer.from('y'));
      await echoed2;
      assert.deepEqual(authorized, [true, true]);
      await Promise.all([pem.end(), p12.end()]);
    });

    it('reports a wrong PKCS#12 passphrase as a TLS error', async () => {
      const port = await tlsServer({ ...pki.server });
      const err = await openFails(trusting(port, { pfx: pki.client.pfx, passphrase: 'wrong' }));
      assert.equal(err.kind, 'tls');
      assert.match(err.message, /passphrase/);
    });

    it('times out a handshake the server never answers', async () => {
      const silent = net.createServer((s) => openSockets.add(s));
      servers.push(silent);
      const port = await listen(silent);
      const err = await openFails(trusting(port), 200);
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /timed out after 200 ms/);
    });
  });

  describe('websocket', function () {
    let pki: Pki | undefined;
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });
    after(() => pki?.cleanup());

    const textFrames = { count: 0 };
    beforeEach(() => {
      textFrames.count = 0;
    });

    async function wsServer(
      server: http.Server | https.Server,
      seen: Array<{ path: string; protocol: string; header?: string }>,
    ): Promise<number> {
      const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
      const clients = new Set<WebSocket>();
      wss.on('connection', (ws, req) => {
        clients.add(ws);
        seen.push({ path: req.url ?? '', protocol: ws.protocol, header: req.headers['x-test'] as string | undefined });
        ws.on('message', (d, isBinary) => {
          if (!isBinary) textFrames.count++;
          ws.send(d, { binary: true });
        });
      });
      const port = await listen(server);
      cleanups.push(async () => {
        clients.forEach((c) => c.terminate());
        await new Promise<void>((r) => wss.close(() => r()));
        server.closeAllConnections?.();
        await close(server);
      });
      return port;
    }

    it('offers subprotocol "mqtt" and sends binary frames on the configured path with extra headers [MQTT-6.0.0-3] [MQTT-6.0.0-1]', async () => {
      const seen: Array<{ path: string; protocol: string; header?: string }> = [];
      const port = await wsServer(http.createServer(), seen);
      const t = await openTransport(endpoint({ protocol: 'ws', port, path: '/mqtt', wsHeaders: { 'x-test': 'yes' } }), {
        timeoutMs: 3000,
      });
      assert.match(t.description, /^ws 127\.0\.0\.1:/);
      const got = received(t, 5);
      t.write(Buffer.from([0x10, 0x01, 0x02]));
      t.write(Buffer.from([0x03, 0x04]));
      assert.deepEqual([...(await got)], [0x10, 1, 2, 3, 4]);
      assert.deepEqual(seen, [{ path: '/mqtt', protocol: 'mqtt', header: 'yes' }]);
      assert.equal(textFrames.count, 0, 'MQTT travels in binary frames only');
      const closed = closeOf(t);
      await t.end();
      assert.deepEqual(await closed, {});
    });

    it('reports a refused upgrade with the HTTP status', async () => {
      const server = http.createServer((_req, res) => res.writeHead(404).end());
      const port = await listen(server);
      cleanups.push(async () => {
        server.closeAllConnections?.();
        await close(server);
      });
      const err = await openFails(endpoint({ protocol: 'ws', port, path: '/nope' }));
      assert.equal(err.kind, 'websocket');
      assert.match(err.message, /HTTP 404/);
    });

    it('connects over wss with a trusted CA', async function () {
      if (!hasOpenssl()) this.skip();
      pki ??= makePki();
      const seen: Array<{ path: string; protocol: string }> = [];
      const port = await wsServer(https.createServer({ ...pki.server }), seen);
      const t = await openTransport(
        endpoint({ protocol: 'wss', port, host: 'localhost', path: '/', tls: { rejectUnauthorized: true, ca: pki.ca } }),
        { timeoutMs: 3000 },
      );
      const got = received(t, 2);
      t.write(Buffer.from('ok'));
      assert.equal(String(await got), 'ok');
      await t.end();
      assert.equal(seen[0]?.protocol, 'mqtt');
    });

    it('reports TLS errors over wss like over mqtts', async function () {
      if (!hasOpenssl()) this.skip();
      pki ??= makePki();
      const port = await wsServer(https.createServer({ ...pki.expired }), []);
      const err = await openFails(endpoint({ protocol: 'wss', port, tls: { rejectUnauthorized: true, ca: pki.ca } }));
      assert.equal(err.message, 'TLS: certificate expired');
    });
  });

  describe('memory', () => {
    it('connects to a named in-process listener; the server end is a Duplex', async () => {
      const listener = listenMemory('t1', (socket) => {
        socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('>'), d])));
      });
      try {
        const t = await openTransport(endpoint({ protocol: 'memory', host: 't1', port: 0 }), { timeoutMs: 100 });
        const got = received(t, 3);
        t.write(Buffer.from('ab'));
        assert.equal(String(await got), '>ab');
        await t.end();
        assert.equal(t.closed, true);
      } finally {
        listener.close();
      }
    });

    it('refuses when nothing listens under that name within the connect timeout', async () => {
      const err = await openFails(endpoint({ protocol: 'memory', host: 'nobody', port: 0 }), 30);
      assert.equal(err.kind, 'refused');
      assert.equal(err.message, 'no in-process broker listening as memory://nobody (waited 30 ms)');
    });

    it('waits for a listener that registers after the attempt started (flow order), without a refusal', async () => {
      const opening = openTransport(endpoint({ protocol: 'memory', host: 'late', port: 0 }), { timeoutMs: 10_000 });
      let settled = false;
      void opening.then(() => (settled = true), () => (settled = true));
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(settled, false, 'still waiting: nothing listens yet');
      const accepted = deferred<MemoryServerSocket>();
      const listener = listenMemory('late', accepted.resolve);
      try {
        const t = await opening;
        const server = await accepted.promise;
        const got = received(t, 2);
        server.write(Buffer.from('hi'));
        assert.equal(String(await got), 'hi');
        t.destroy();
      } finally {
        listener.close();
      }
    });

    it('gives up waiting when the attempt is aborted, and a later listener gets no connection', async () => {
      const ac = new AbortController();
      const opening = openTransport(endpoint({ protocol: 'memory', host: 'aborted', port: 0 }), { timeoutMs: 10_000, signal: ac.signal });
      ac.abort();
      await assert.rejects(opening, (err: unknown) => err instanceof TransportError && err.kind === 'closed');
      let accepted = 0;
      const listener = listenMemory('aborted', () => accepted++);
      listener.close();
      assert.equal(accepted, 0);
    });

    it('reports the server end closing as a reset', async () => {
      const listener = listenMemory('t2', (socket) => setImmediate(() => socket.end()));
      try {
        const t = await openTransport(endpoint({ protocol: 'memory', host: 't2', port: 0 }), { timeoutMs: 100 });
        const info = await closeOf(t);
        assert.equal(info.error?.kind, 'reset');
      } finally {
        listener.close();
      }
    });
  });
});
