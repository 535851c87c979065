// Proves that `npm pack` makes a package a user can install into a plain Node-RED and that it registers every
// node type: packs the repo (prepack builds), installs the tarball into a fresh user directory, starts Node-RED
// on a free loopback port and asks its admin API which types our module registered.
//
//   node scripts/check-package.mjs                       # the node-red devDependency, this Node
//   node scripts/check-package.mjs --node-red DIR --node BIN   # another Node-RED install / Node binary
//
// Node-RED 3.x and 4.x require() the bundle; 5.x import()s it: running this with Node-RED 5 on Node 22 checks
// the second path.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const nodeRedDir = resolve(opt('--node-red', join(root, 'node_modules', 'node-red')));
const nodeBin = opt('--node', process.execPath);
const keep = args.includes('--keep');

function expectedTypes() {
  const dirs = readdirSync(join(root, 'src', 'nodes'), { withFileTypes: true });
  return dirs.filter((d) => d.isDirectory() && d.name !== 'shared').map((d) => d.name).sort();
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function pack(into) {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', into], { cwd: root, encoding: 'utf8' });
  const name = out.trim().split('\n').pop();
  return join(into, name);
}

function listTarball(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
}

async function waitForAdmin(url, child, ms) {
  const deadline = Date.now() + ms;
  let exited = null;
  child.once('exit', (code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`Node-RED exited with code ${exited}`);
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' } });
      if (res.ok) return res.json();
    } catch {
      // not listening yet: retry until the deadline (this is a readiness probe, not a test assertion)
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Node-RED admin API did not answer within ${ms} ms`);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'mqtt-kit-pack-'));
  const userDir = join(work, 'user');
  let child;
  try {
    const tarball = pack(work);
    const files = listTarball(tarball);
    const unwanted = files.filter((f) => /^package\/(src|test|bench|scripts|docs|\.ci)\//.test(f));
    if (unwanted.length) throw new Error(`tarball ships files Node-RED does not need: ${unwanted.slice(0, 5).join(', ')}`);
    for (const need of ['package/nodes/mqtt-kit.js', 'package/nodes/mqtt-kit.html', 'package/nodes/locales/en-US/mqtt-kit.json']) {
      if (!files.includes(need)) throw new Error(`tarball lacks ${need}`);
    }
    execFileSync('mkdir', ['-p', userDir]);
    writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: userDir, stdio: 'pipe' });

    const port = await freePort();
    writeFileSync(join(userDir, 'settings.js'),
      `module.exports = { uiPort: ${port}, uiHost: '127.0.0.1', flowFile: 'flows.json', logging: { console: { level: 'warn' } } };\n`);
    const redJs = join(nodeRedDir, 'red.js');
    if (!existsSync(redJs)) throw new Error(`no Node-RED at ${nodeRedDir}`);
    const version = JSON.parse(readFileSync(join(nodeRedDir, 'package.json'), 'utf8')).version;
    let log = '';
    child = spawn(nodeBin, [redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    let nodes;
    try {
      nodes = await waitForAdmin(`http://127.0.0.1:${port}/nodes`, child, 60_000);
    } catch (err) {
      throw new Error(`${err.message}\n--- Node-RED output ---\n${log}`);
    }
    const ours = nodes.filter((n) => n.module === 'node-red-contrib-mqtt-kit');
    if (!ours.length) throw new Error(`module not loaded by Node-RED ${version}\n${log}`);
    const failed = ours.filter((n) => n.err);
    if (failed.length) throw new Error(`Node-RED ${version} failed to load: ${failed.map((n) => n.err).join('; ')}`);
    const registered = ours.flatMap((n) => n.types).sort();
    const missing = expectedTypes().filter((t) => !registered.includes(t));
    if (missing.length) throw new Error(`Node-RED ${version} did not register: ${missing.join(', ')}`);
    const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`package OK: Node-RED ${version} on Node ${nodeVersion} registered [${registered.join(', ') || 'no types yet'}] from ${files.length} files`);
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`package check FAILED: ${err.message}`);
  process.exit(1);
});
