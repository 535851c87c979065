// Debian's chromium for the browser tests, driven by playwright-core: where it is, the flags a root user on a
// closed network needs, and a describe() that skips visibly without it (a failure under
// MQTT_KIT_REQUIRE_INTEROP=1, as in CI).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

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

/** A headless browser with a fresh profile; close() also removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'mqtt-kit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1280, height: 720 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
