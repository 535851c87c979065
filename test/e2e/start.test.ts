// `npm start` end to end: scripts/start.mjs builds the package, starts Node-RED with the demo flow in a user
// directory of this test's own, and prints the editor URL. The demo runs its own broker (no external broker):
// an MQTT client of ours connects to it on TCP and sees the demo's counter and its mqtt-rpc request and reply.
// With chromium, the demo is then opened in the editor until every node shows its status; the picture goes to
// test-artifacts/demo.png, and to docs/images/demo.png (the README's) when missing or MQTT_KIT_UPDATE_SCREENSHOT=1.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishPacket } from '../../src/codec/types';
import { Clients } from '../interop/client-helpers';
import { withTimeout } from '../client/helpers/wait';
import { CHROMIUM, launchBrowser } from './chromium';
import { freePort } from '../free-port';

const root = join(__dirname, '..', '..');

/** Resolves with the first match of `re` in the child's stdout. */
function waitForOutput(child: ChildProcess, re: RegExp, log: { text: string }, ms: number): Promise<RegExpMatchArray> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = log.text.match(re);
        if (m) {
          child.stdout?.off('data', check);
          resolve(m);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing ${re}:\n${log.text}`)));
      check();
    }),
    ms,
    `${re} from npm start`,
  );
}

describe('e2e: npm start', function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  let userDir: string;
  const clients = new Clients();
  const log = { text: '' };
  let editorUrl: string | undefined;

  before(() => {
    userDir = mkdtempSync(join(tmpdir(), 'mqtt-kit-start-'));
  });

  after(async () => {
    await clients.disposeAll();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'npm start to stop on SIGTERM');
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  it('builds, starts Node-RED with the demo on its embedded broker, prints the editor URL; the demo publishes and answers rpc calls', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: { ...process.env, PORT: String(port), MQTT_KIT_USERDIR: userDir, MQTT_KIT_DEMO: 'reset' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (log.text += d));
    child.stderr!.on('data', (d) => (log.text += d));

    const [, url] = await waitForOutput(child, /Node-RED editor at (http:\/\/\S+)/, log, 60_000);
    assert.equal(url, `http://127.0.0.1:${port}/`);
    editorUrl = url;
    const [, mqttPort] = await waitForOutput(child, /other clients on 127\.0\.0\.1:(\d+)/, log, 5_000);
    const editor = await fetch(url!);
    assert.equal(editor.status, 200);

    // The demo's broker accepts other clients on TCP; what the demo flow publishes arrives there.
    const watcher = await clients.connected({ url: `mqtt://127.0.0.1:${mqttPort}`, protocolVersion: 5 });
    const seen: PublishPacket[] = [];
    const arrived = (pred: (p: PublishPacket) => boolean, what: string): Promise<PublishPacket> =>
      withTimeout(
        new Promise((resolve) => {
          const found = seen.find(pred);
          if (found) return resolve(found);
          const on = (p: PublishPacket): void => {
            if (!pred(p)) return;
            watcher.off('message', on);
            resolve(p);
          };
          watcher.on('message', on);
        }),
        20_000,
        what,
      );
    watcher.on('message', (p: PublishPacket) => seen.push(p));
    await watcher.subscribe([{ topicFilter: 'demo/#', qos: 1 }, { topicFilter: 'mqtt-kit/reply/#', qos: 1 }]);

    const counter = await arrived((p) => p.topic === 'demo/counter', 'the demo counter');
    assert.equal(typeof JSON.parse(counter.payload.toString()).n, 'number');

    const request = await arrived((p) => p.topic === 'demo/rpc/time', 'the demo rpc request');
    const responseTopic = request.properties?.responseTopic;
    assert.ok(responseTopic, 'the request carries a response topic');
    const reply = await arrived((p) => p.topic === responseTopic, 'the demo rpc reply');
    assert.deepEqual(reply.properties?.correlationData, request.properties?.correlationData);
    assert.match(JSON.parse(reply.payload.toString()).time, /^\d{4}-\d\d-\d\dT/);
  });

  it('shows the demo in the editor: every node connected, the rpc reply in its status (screenshot)', async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.MQTT_KIT_REQUIRE_INTEROP === '1') throw new Error(`${CHROMIUM} not found (MQTT_KIT_REQUIRE_INTEROP=1)`);
      console.warn(`chromium not found at ${CHROMIUM}: skipping the demo screenshot`);
      return this.skip();
    }
    assert.ok(editorUrl, 'npm start is running (previous test)');
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(editorUrl);
      const labels = page.locator('.red-ui-flow-node-status-label');
      // mqtt kit in, out, two rpc nodes with a broker: "connected"; the embedded broker: "N clients".
      await page.waitForFunction(
        `[...document.querySelectorAll('.red-ui-flow-node-status-label')].filter((e) => /^connected/.test(e.textContent)).length >= 4`,
        undefined,
        { timeout: 30_000 },
      );
      await labels.filter({ hasText: /client/ }).first().waitFor({ timeout: 30_000 });
      await labels.filter({ hasText: /^\d{4}-\d\d-\d\dT/ }).first().waitFor({ timeout: 30_000 }); // the rpc reply debug node
      // The debug sidebar, with the messages the demo has shown so far.
      await page.evaluate('RED.actions.invoke("core:show-debug-tab")');
      await page.locator('.red-ui-debug-msg').first().waitFor({ timeout: 30_000 });
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      const shot = join(root, 'test-artifacts', 'demo.png');
      await page.screenshot({ path: shot });
      const readme = join(root, 'docs', 'images', 'demo.png');
      if (!existsSync(readme) || process.env.MQTT_KIT_UPDATE_SCREENSHOT === '1') copyFileSync(shot, readme);
    } finally {
      await browser.close();
    }
  });
});
