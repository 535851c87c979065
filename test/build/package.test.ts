import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('package', () => {
  it('declares a Node-RED node set that points at the built bundle', () => {
    assert.ok(pkg.keywords.includes('node-red'));
    assert.equal(pkg['node-red'].version, '>=3.0.0');
    const file = pkg['node-red'].nodes['mqtt-kit'];
    assert.equal(file, 'nodes/mqtt-kit.js');
    assert.ok(existsSync(join(root, file)), 'run `npm run build` first (npm test does)');
  });

  it('has no MQTT library among its runtime dependencies', () => {
    const banned = ['mqtt', 'mqtt-packet', 'aedes', 'mqemitter', 'qlobber', 'mqtt-connection'];
    for (const dep of Object.keys(pkg.dependencies ?? {})) assert.ok(!banned.includes(dep), dep);
  });

  it('bundles as CommonJS exporting one registration function', () => {
    const mod = require(join(root, 'nodes', 'mqtt-kit.js'));
    assert.equal(typeof mod, 'function');
  });
});
