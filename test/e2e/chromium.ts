// Debian's chromium for the browser tests, driven by playwright-core: where it is, the flags a root user on a
// closed network needs, and a describe() that skips visibly without it (a failure under
// MQTT_KIT_REQUIRE_INTEROP=1, as in CI).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function describeWithChromium(title: string, body: (this: Mocha.Suite) => void): void {
  if (existsSync(CHROMIUM)) return void describe(title, body);
  if (process.env.MQTT_KIT_REQUIRE_INTEROP === '1') {
    return void describe(title, () => {
      it('needs chromium (MQTT_KIT_REQUIRE_INTEROP=1)', () => {
        throw new Error(`${CHROMIUM} not found, and MQTT_KIT_REQUIRE_INTEROP=1 requires the browser test to run`);
      });
    });
  }
  console.warn(`chromium not found at ${CHROMIUM}: skipping "${title}" (apt-get install chromium)`);
  describe(`${title} (chromium not found: skipping)`, () => {
    it('chromium not found: skipping', function () {
      this.skip();
    });
  });
}

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** A headless browser with a fresh profile, its pages `viewport` big (default 1280 x 720). */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mqtt-kit-chromium-'));
  const viewport = options.viewport ?? { width: 1280, height: 720 };
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * For afterEach: when the test failed, a picture of every page the browser has open goes to
 * test-artifacts/<name>-failure-<i>.png, to look at.
 */
export async function screenshotIfFailed(test: Mocha.Test | undefined, browser: Browser | undefined, name: string): Promise<void> {
  if (test?.state !== 'failed' || !browser) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [i, page] of browser.context.pages().entries()) await page.screenshot({ path: join(ARTIFACTS, `${name}-failure-${i}.png`) });
}
