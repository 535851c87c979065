// mqtt-rpc engines against other implementations through a real Mosquitto: mosquitto_rr (MQTT 5) asks our
// responder, and a Python paho responder (MQTT 5 properties, and the documented 3.1.1 JSON envelope written
// by hand) answers our requester. Skipped with a visible message when mosquitto, mosquitto_rr, or python3
// with paho-mqtt is missing; failed instead under MQTT_KIT_REQUIRE_INTEROP=1.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { ConnectionPool } from '../../src/client/pool';
import type { Lease } from '../../src/client/lease';
import { Requester, Responder } from '../../src/rpc';
import { withTimeout } from '../client/helpers/wait';
import { describeWithMosquitto, Mosquitto } from './mosquitto';

const REQUIRED = process.env.MQTT_KIT_REQUIRE_INTEROP === '1';

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A python3 that can import paho.mqtt (Debian's python3-paho-mqtt lives under /usr/bin/python3). */
function pahoPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' });
      return py;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

/** `it`, or a visible skip (a failure under MQTT_KIT_REQUIRE_INTEROP=1) when `tool` is missing. */
function itWith(tool: string | undefined, what: string, title: string, fn: () => Promise<void>): void {
  if (tool) return void it(title, fn);
  if (REQUIRED) return void it(title, () => assert.fail(`${what} not found, and MQTT_KIT_REQUIRE_INTEROP=1 requires it`));
  console.warn(`${what} not found: skipping "${title}"`);
  it(`${title} (${what} not found: skipping)`, function () {
    this.skip();
  });
}

const PAHO_RESPONDER = String.raw`
import json, sys
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

port, mode = int(sys.argv[1]), sys.argv[2]

def on_connect(client, *args):
    client.subscribe('svc/py', qos=1)

def on_subscribe(client, *args):
    print('ready', flush=True)

def on_message(client, userdata, m):
    if mode == 'envelope':
        env = json.loads(m.payload)
        reply = {'correlationData': env['correlationData'], 'payload': 'py:' + env['payload']}
        client.publish(env['responseTopic'], json.dumps(reply), qos=1)
        return
    topic = getattr(m.properties, 'ResponseTopic', None)
    if not topic:
        return
    out = Properties(PacketTypes.PUBLISH)
    correlation = getattr(m.properties, 'CorrelationData', None)
    if correlation is not None:
        out.CorrelationData = correlation
    text = m.payload.decode()
    if text == 'fail':
        out.UserProperty = [('mqtt-kit-error', 'python says no'), ('mqtt-kit-error-code', 'PY1')]
        out.ContentType = 'application/json'
        client.publish(topic, json.dumps({'error': {'message': 'python says no', 'code': 'PY1'}}), qos=1, properties=out)
    else:
        client.publish(topic, 'py:' + text, qos=1, properties=out)

client = mqtt.Client(client_id='py-' + mode, protocol=mqtt.MQTTv5 if mode == 'v5' else mqtt.MQTTv311)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect('127.0.0.1', port)
client.loop_forever()
`;

/** Starts the paho responder and resolves once it has subscribed. */
async function startPaho(python: string, port: number, mode: 'v5' | 'envelope'): Promise<ChildProcess> {
  const child = spawn(python, ['-c', PAHO_RESPONDER, String(port), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await withTimeout(new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`paho responder exited (${code}): ${stderr}`)));
  }), 10_000, 'the paho responder to subscribe');
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await withTimeout(exited, 5000, 'the paho responder to exit');
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message} ${stderr}`)) : resolve(stdout)));
  });
}

describeWithMosquitto('rpc interop with Mosquitto, mosquitto_rr and paho', function () {
  this.timeout(30_000);
  let broker: Mosquitto;
  let pool: ConnectionPool;
  let ids = 0;
  const rr = which('mosquitto_rr');
  const python = pahoPython();
  const closers: Array<{ close(): void }> = [];
  let child: ChildProcess | undefined;

  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.stop();
  });
  beforeEach(() => {
    pool = new ConnectionPool();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) c.close();
    await stop(child);
    child = undefined;
    await pool.closeAll();
  });

  async function lease(protocolVersion: 4 | 5): Promise<Lease> {
    const id = `rpc${++ids}`;
    await pool.define(id, { url: broker.url, protocolVersion });
    const l = pool.acquire(id, { id: `node${ids}` });
    if (l.status.phase !== 'connected') await withTimeout(new Promise((r) => l.once('connected', r)), 5000, 'connected');
    return l;
  }

  async function responder(topic: string): Promise<Responder> {
    const r: Responder = new Responder(await lease(5), {
      topic,
      onRequest: (req) => {
        if (!req.route) return;
        const text = req.payload.toString();
        if (text === 'fail') void r.replyError(req.route, { message: 'no such thing', code: 'E404' });
        else void r.reply(req.route, { payload: `echo:${text}`, contentType: 'text/plain' });
      },
    });
    closers.push(r);
    await r.start();
    return r;
  }

  itWith(rr, 'mosquitto_rr', 'mosquitto_rr -V 5 gets our responder\'s reply, with its correlation data back [v5 MQTT-3.3.2-15] [v5 MQTT-3.3.2-16]', async () => {
    await responder('svc/rr');
    const out = await run(rr!, ['-V', '5', '-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-t', 'svc/rr', '-e', 'resp/rr',
      '-m', 'hello', '-W', '5', '-D', 'PUBLISH', 'correlation-data', 'corr-42', '-F', '%C|%D|%p']);
    assert.equal(out.trim(), 'text/plain|corr-42|echo:hello');
  });

  itWith(rr, 'mosquitto_rr', 'mosquitto_rr sees an error reply as readable JSON with the mqtt-kit-error user properties', async () => {
    await responder('svc/rr');
    const out = await run(rr!, ['-V', '5', '-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-t', 'svc/rr', '-e', 'resp/rr-err',
      '-m', 'fail', '-W', '5', '-F', '%C|%P|%p']);
    const [contentType, users, payload] = out.trim().split('|');
    assert.equal(contentType, 'application/json');
    assert.match(users!, /mqtt-kit-error:no such thing/);
    assert.match(users!, /mqtt-kit-error-code:E404/);
    assert.deepEqual(JSON.parse(payload!), { error: { message: 'no such thing', code: 'E404' } });
  });

  itWith(python, 'python3 with paho-mqtt', 'our MQTT 5 requester gets a paho v5 responder\'s replies, and its error reply', async () => {
    child = await startPaho(python!, broker.ports.mqtt, 'v5');
    const req = new Requester(await lease(5));
    closers.push(req);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => req.request({ topic: 'svc/py', payload: `n${i}`, timeoutMs: 5000 })));
    replies.forEach((r, i) => assert.equal(r.payload.toString(), `py:n${i}`));
    await assert.rejects(req.request({ topic: 'svc/py', payload: 'fail', timeoutMs: 5000 }), (e: any) => {
      assert.equal(e.code, 'RPC_ERROR_REPLY');
      assert.deepEqual(e.outcome.remote, { message: 'python says no', code: 'PY1' });
      return true;
    });
  });

  itWith(python, 'python3 with paho-mqtt', 'our MQTT 3.1.1 requester gets replies from a paho 3.1.1 responder that speaks the documented JSON envelope', async () => {
    child = await startPaho(python!, broker.ports.mqtt, 'envelope');
    const req = new Requester(await lease(4));
    closers.push(req);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => req.request({ topic: 'svc/py', payload: `m${i}`, timeoutMs: 5000 })));
    replies.forEach((r, i) => assert.equal(r.payload.toString(), `py:m${i}`));
  });
});
