// kill -9 a publishing client that uses the file store: every QoS 1/2 message it had accepted is sent
// after it restarts (QoS 2 exactly once). Runs the client in a child process (fixtures/crash-client.ts).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimeout } from '../client/helpers/wait';
import { Clients, Collector } from './client-helpers';
import { freePort } from '../free-port';
import { describeWithMosquitto, Mosquitto } from './mosquitto';

const FIXTURE = join(__dirname, 'fixtures', 'crash-client.ts');
const COUNT = 200;

function run(args: string[]): { child: ChildProcess; output: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = exit.then(() => out);
  return { child, output, exit };
}

function lineFrom(child: ChildProcess, line: string, ms: number): Promise<void> {
  let seen = '';
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (t: string) => {
        seen += t;
        if (seen.includes(line)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${line}": ${seen}`)));
    }),
    ms,
    `"${line}" from the child`,
  );
}

describeWithMosquitto('client interop with Mosquitto: kill -9 with the file store', function () {
  this.timeout(40_000);
  let broker: Mosquitto;
  let dir: string;
  const clients = new Clients();
  beforeEach(async () => {
    broker = await Mosquitto.start();
    dir = mkdtempSync(join(tmpdir(), 'mqttkit-crash-'));
  });
  afterEach(async () => {
    await clients.disposeAll();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function subscriber(): Promise<Collector> {
    const sub = await clients.connected({ url: broker.url, protocolVersion: 5 });
    const got = new Collector(sub);
    await sub.subscribe([{ topicFilter: 'crash/#', qos: 2 }]);
    return got;
  }

  function check(got: Collector): void {
    const byValue = new Map<number, number>();
    for (const m of got.messages) byValue.set(Number(m.payload.toString()), (byValue.get(Number(m.payload.toString())) ?? 0) + 1);
    const missing = [...Array(COUNT).keys()].filter((i) => !byValue.has(i));
    assert.deepEqual(missing, [], `lost ${missing.length} accepted messages`);
    const qos2Dups = [...byValue].filter(([v, n]) => v % 2 === 1 && n > 1);
    assert.deepEqual(qos2Dups, [], 'QoS 2 messages delivered more than once');
  }

  it('queued while the broker is unreachable, killed, restarted: all sent [v5 MQTT-4.4.0-1]', async () => {
    const got = await subscriber();
    const deadPort = await freePort();
    const first = run(['publish', `mqtt://127.0.0.1:${deadPort}`, dir, String(COUNT)]);
    await lineFrom(first.child, 'ACCEPTED', 15_000);
    first.child.kill('SIGKILL');
    assert.equal(await first.exit, null);
    const second = run(['resume', broker.url, dir, String(COUNT)]);
    const code = await withTimeout(second.exit, 20_000, 'resumed client');
    assert.equal(code, 0, await second.output);
    await got.wait(COUNT, 10_000);
    check(got);
  });

  it('killed while messages are in flight to a live broker: all sent, QoS 2 once [v5 MQTT-4.3.3-10]', async () => {
    const got = await subscriber();
    const first = run(['publish', broker.url, dir, String(COUNT)]);
    await lineFrom(first.child, 'ACCEPTED', 15_000);
    first.child.kill('SIGKILL');
    await first.exit;
    const second = run(['resume', broker.url, dir, String(COUNT)]);
    const code = await withTimeout(second.exit, 20_000, 'resumed client');
    assert.equal(code, 0, await second.output);
    await got.wait(COUNT, 10_000);
    check(got);
  });
});
