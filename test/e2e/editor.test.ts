// End to end in a real browser: Node-RED with this package, Debian's chromium driven by playwright-core.
// A user drags mqtt kit in and mqtt kit out from the palette, creates a broker configuration in its
// dialog, deploys, and sees both nodes turn green ("connected") against our embedded broker core. A
// screenshot goes to test-artifacts/editor.png, and to docs/images/editor.png (shown in the README) when
// that is missing or MQTT_KIT_UPDATE_SCREENSHOT=1.
//
// Skipped with a visible message when /usr/bin/chromium is absent; under MQTT_KIT_REQUIRE_INTEROP=1 (CI)
// that is a failure.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describeWithChromium, launchBrowser, screenshotIfFailed, type Browser } from './chromium';
import { Broker } from '../../src/broker';
import { NodeRedProcess } from './node-red-process';

const root = join(__dirname, '..', '..');

const NODES = '#red-ui-workspace-chart g.red-ui-flow-node-group';

/** One mouse drag from a palette entry to (x, y) of the chart. */
async function dragOnce(page: Page, type: string, x: number, y: number): Promise<void> {
  const search = page.locator('#red-ui-palette-search input');
  await search.fill('');
  await search.pressSequentially('mqtt kit');
  const selector = `.red-ui-palette-node[data-palette-type="${type}"]`;
  // The filter is applied after a short debounce and the palette then lays itself out again: wait until
  // only our entries are shown and the wanted one has stood still on screen for a few frames, so the mouse
  // does not go down on a neighbour that moved into its place.
  await page.waitForFunction(`(() => {
    const shown = [...document.querySelectorAll('.red-ui-palette-node')].filter((e) => e.getBoundingClientRect().height > 0);
    if (shown.some((e) => !(e.getAttribute('data-palette-type') || '').startsWith('mqtt-'))) return false;
    const r = document.querySelector('${selector}')?.getBoundingClientRect();
    if (!r || r.height === 0 || r.bottom >= window.innerHeight) return false;
    const at = r.x + ',' + r.y;
    const w = window;
    if (w.__paletteAt !== at) { w.__paletteAt = at; w.__paletteSteady = 0; return false; }
    return ++w.__paletteSteady >= 5;
  })()`, undefined, { polling: 'raf' });
  const from = await page.locator(selector).boundingBox();
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  assert.ok(from && chart);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + 40, from.y + 10, { steps: 5 });
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 15 });
  await page.mouse.up();
}

/** How many nodes of `type` the editor has in its flows. */
function countOfType(page: Page, type: string): Promise<number> {
  return page.evaluate(`RED.nodes.filterNodes({ type: '${type}' }).length`) as Promise<number>;
}

/**
 * Drags a palette entry onto the workspace as a user does with the mouse, and waits for the new node. A
 * drag that the editor did not take (it was still settling after load) is repeated, at most three times;
 * a drop that made a node of another type fails the test with that said, not later as a strange dialog.
 */
async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<void> {
  const before = await page.locator(NODES).count();
  const ofTypeBefore = await countOfType(page, type);
  for (let attempt = 1; ; attempt++) {
    await dragOnce(page, type, x, y);
    try {
      await page.waitForFunction(`document.querySelectorAll('${NODES}').length > ${before}`, undefined, { timeout: 3000 });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  assert.equal(await countOfType(page, type), ofTypeBefore + 1, `the drop made a ${type} node`);
}

/** Done in the node dialog, then wait until the tray has gone (a drag during its animation is lost). */
async function closeDialog(page: Page): Promise<void> {
  await page.locator('#node-dialog-ok').click();
  await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });
}

async function openLastNode(page: Page): Promise<void> {
  const box = await page.locator(NODES).last().boundingBox();
  assert.ok(box, 'the dropped node is on the workspace');
  await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
  await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
}

describeWithChromium('e2e: the editor in a browser', function () {
  this.timeout(120_000);
  let broker: Broker;
  let brokerPort: number;
  let nodeRed: NodeRedProcess;
  let browser: Browser;

  before(async () => {
    broker = new Broker();
    const listener = await broker.listen({ port: 0, host: '127.0.0.1' });
    brokerPort = listener.address()!.port;
    nodeRed = await NodeRedProcess.start();
    browser = await launchBrowser();
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, browser, 'e2e');
  });

  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    await broker?.close();
  });

  it('drag in and out, configure a broker in its dialog, deploy, see "connected"', async () => {
    const page = await browser.context.newPage();
    await page.goto(nodeRed.url);
    await page.locator('.red-ui-palette-node[data-palette-type="mqtt-in"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.red-ui-palette-node[data-palette-type="mqtt-in"] .red-ui-palette-label').innerText(), 'mqtt kit in');

    await dragFromPalette(page, 'mqtt-in', 200, 120);
    await openLastNode(page);
    // Node-RED 4 names the button node-input-btn-broker-add; 3.x node-input-lookup-broker.
    await page.locator('#node-input-btn-broker-add, #node-input-lookup-broker').first().click();
    await page.locator('#node-config-input-broker').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-broker').fill('127.0.0.1');
    await page.locator('#node-config-input-port').fill(String(brokerPort));
    await page.locator('#node-config-input-name').fill('local broker');
    await page.locator('#node-config-dialog-ok').click();
    // Back in the node's dialog once the new configuration is selected there.
    await page.locator('#node-input-broker option:checked', { hasText: 'local broker' }).waitFor({ state: 'attached' });
    await page.locator('#node-input-topic').fill('e2e/#');
    await closeDialog(page);

    await dragFromPalette(page, 'mqtt-out', 480, 120);
    await openLastNode(page);
    // The configuration made in the first dialog is offered here; pick it as a user does.
    await page.locator('#node-input-broker').selectOption({ label: 'local broker' });
    await page.locator('#node-input-topic').fill('e2e/hello');
    await closeDialog(page);

    await page.locator('#red-ui-header-button-deploy').click();
    const connected = page.locator('.red-ui-flow-node-status-label', { hasText: 'connected' });
    await connected.nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await connected.count(), 2);
    assert.equal(broker.clients().length, 1, 'both nodes share one connection');

    // A clean picture: wait for the "Successfully deployed" notice to go, and deselect.
    await page.locator('.red-ui-notification').first().waitFor({ state: 'detached', timeout: 15_000 });
    await page.mouse.click(700, 500);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    const shot = join(root, 'test-artifacts', 'editor.png');
    await page.screenshot({ path: shot });
    // The README's copy is refreshed when missing or on request, so a test run does not leave a changed
    // binary in the working tree: MQTT_KIT_UPDATE_SCREENSHOT=1 npm test.
    const readme = join(root, 'docs', 'images', 'editor.png');
    if (!existsSync(readme) || process.env.MQTT_KIT_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(root, 'docs', 'images'), { recursive: true });
      copyFileSync(shot, readme);
    }
  });
});
