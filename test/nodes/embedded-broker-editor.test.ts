// The embedded broker's editor in a real browser (Debian's chromium via playwright-core, as test/e2e):
// a user adds a broker user with a password and an ACL, points a new broker configuration at the embedded
// broker with the "Embedded broker" picker, deploys; the flow connects in-process, MQTT.js logs in over
// TCP with that password, and the credentials file holds only the scrypt hash, never the password.
// Skipped with a message when chromium is absent (a failure under MQTT_KIT_REQUIRE_INTEROP=1).
import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { verifyPassword } from '../../src/broker';
import { describeWithChromium, launchBrowser, screenshotIfFailed, type Browser } from '../e2e/chromium';
import { NodeRedProcess } from '../e2e/node-red-process';
import { freePort } from '../free-port';

const BROKER_ID = 'e2e0b40c00000001';
const IN_ID = 'e2e0b40c00000002';
const PASSWORD = 'correct-horse-e2e';

/** Node-RED's flows_cred.json: {"$": <iv hex><aes-256-ctr ciphertext, base64>} with key sha256(credentialSecret). */
function readCredentials(userDir: string, secret: string): Record<string, Record<string, string>> {
  const raw = JSON.parse(readFileSync(join(userDir, 'flows_cred.json'), 'utf8')) as { $: string };
  const key = createHash('sha256').update(secret).digest();
  const decipher = createDecipheriv('aes-256-ctr', key, Buffer.from(raw.$.slice(0, 32), 'hex'));
  return JSON.parse(decipher.update(raw.$.slice(32), 'base64', 'utf8') + decipher.final('utf8'));
}

/** Double-clicks a node until its dialog opens (a click while the editor still settles after load is lost). */
async function openNode(page: Page, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // The node's body, not its group (the group's box includes a long status text).
    const box = await page.locator(`[id="${id}"] rect.red-ui-flow-node`).boundingBox();
    assert.ok(box, `node ${id} is on the workspace`);
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    try {
      await page.locator('#node-dialog-ok').waitFor({ state: 'visible', timeout: 5000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

async function tab(page: Page, list: string, label: string): Promise<void> {
  await page.locator(`#${list} li a`, { hasText: label }).click();
}

describeWithChromium('embedded broker editor in a browser', function () {
  this.timeout(120_000);
  let nodeRed: NodeRedProcess;
  let browser: Browser;
  let port: number;

  before(async () => {
    port = await freePort();
    nodeRed = await NodeRedProcess.start([
      { id: 'e2etab', type: 'tab', label: 'e2e' },
      {
        id: BROKER_ID, type: 'mqtt-embedded-broker', z: 'e2etab', name: 'e2e broker', tcp: true, host: '127.0.0.1', port,
        tlsEnabled: false, tls: '', tlsPort: 8883, clientCerts: 'none', certUsername: false, ws: 'off', wsPort: 9001, wsPath: '/mqtt',
        wsTls: false, anonymous: 'auto', aclEnabled: false, acl: '', maxConnections: '', maxPacketKB: '', maxInflight: '', maxQueued: '',
        connectTimeout: '', maxTopicLevels: '', maxTopicLength: '', maxSessionExpiry: '', persistence: 'off', fsync: 'batch', sysInterval: 10,
        x: 200, y: 100, wires: [[], []],
      },
      { id: IN_ID, type: 'mqtt-in', z: 'e2etab', name: '', topic: 'e2e/#', qos: '1', datatype: 'auto-detect', broker: '', nl: false, rap: true, rh: 0, inputs: 0, x: 200, y: 220, wires: [[]] },
    ]);
    browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, browser, 'embedded-broker-editor');
  });

  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
  });

  it('adds a user and an ACL, picks the embedded broker in a config node, deploys: only the hash is stored', async () => {
    const page = await browser.context.newPage();
    await page.goto(nodeRed.url);
    await page.locator(`[id="${BROKER_ID}"]`).waitFor({ timeout: 30_000 });

    await openNode(page, BROKER_ID);
    await tab(page, 'mqtt-kit-eb-tabs', 'Security');
    await page.locator('#mqtt-kit-eb-users').locator('xpath=../..').locator('.red-ui-editableList-addButton').click();
    await page.locator('.mqtt-kit-eb-user').fill('alice');
    await page.locator('.mqtt-kit-eb-pass').fill(PASSWORD);
    await page.locator('#node-input-aclEnabled').check();
    await page.locator('#node-input-acl').fill('user alice\ntopic readwrite e2e/#');
    await page.locator('#node-dialog-ok').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await openNode(page, IN_ID);
    await page.locator('#node-input-btn-broker-add, #node-input-lookup-broker').first().click();
    await page.locator('#mqtt-kit-embedded').waitFor({ state: 'visible' });
    await page.locator('#mqtt-kit-embedded').selectOption({ label: 'e2e broker' });
    assert.equal(await page.locator('#node-config-input-broker').inputValue(), `memory://${BROKER_ID}`);
    await tab(page, 'mqtt-kit-broker-tabs', 'Security');
    await page.locator('#node-config-input-user').fill('alice');
    await page.locator('#node-config-input-password').fill(PASSWORD);
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-input-broker option:checked', { hasText: `memory://${BROKER_ID}` }).waitFor({ state: 'attached' });
    await page.locator('#node-dialog-ok').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-flow-node-status-label', { hasText: 'connected' }).first().waitFor({ timeout: 30_000 });

    const url = `mqtt://127.0.0.1:${port}`;
    await assert.rejects(mqtt.connectAsync(url, { username: 'alice', password: 'wrong', reconnectPeriod: 0 }), /Bad username or password/i);
    const alice = await mqtt.connectAsync(url, { username: 'alice', password: PASSWORD, reconnectPeriod: 0, protocolVersion: 5 });
    await alice.publishAsync('e2e/hello', 'from the browser test', { qos: 1 });
    await assert.rejects(alice.publishAsync('other/x', 'denied', { qos: 1 }), /Not authorized|135/);
    await alice.endAsync();

    const creds = readCredentials(nodeRed.userDir, 'e2e');
    const users = JSON.parse(creds[BROKER_ID]!.users!) as Array<{ username: string; hash: string }>;
    assert.deepEqual(users.map((u) => u.username), ['alice']);
    assert.equal(await verifyPassword(PASSWORD, users[0]!.hash), true);
    assert.ok(!readFileSync(join(nodeRed.userDir, 'flows.json'), 'utf8').includes(PASSWORD), 'no password in flows.json');
    assert.ok(!JSON.stringify(creds[BROKER_ID]).includes(PASSWORD), 'no password in the broker node credentials');
  });
});
