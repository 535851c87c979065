// Builds what Node-RED loads into nodes/:
//   src/nodes/index.ts                      -> nodes/mqtt-kit.js   (one CommonJS bundle: one pool registry)
//   src/nodes/<type>/editor.html, help.html -> nodes/mqtt-kit.html (editor templates and help, in type order)
//   src/nodes/<type>/messages.en-US.json    -> nodes/locales/en-US/mqtt-kit.json (merged under the type key)
//   icons/*                                 -> nodes/icons/
import { build } from 'esbuild';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const finalOut = join(root, 'nodes');
// Everything is written to a staging folder first and swapped in at the end, so a Node-RED (or a test run)
// reading nodes/ while a build runs never sees a half-written package.
const out = join(root, `.nodes-build-${process.pid}`);
const nodesSrc = join(root, 'src', 'nodes');

// Editor order: the config node first, then the palette order.
const TYPE_ORDER = ['mqtt-broker-config', 'mqtt-in', 'mqtt-out', 'mqtt-rpc', 'mqtt-embedded-broker'];

async function nodeTypeDirs() {
  const entries = await readdir(nodesSrc, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory() && e.name !== 'shared').map((e) => e.name);
  const rank = (n) => (TYPE_ORDER.includes(n) ? TYPE_ORDER.indexOf(n) : TYPE_ORDER.length);
  return dirs.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

async function readIfExists(file) {
  return existsSync(file) ? readFile(file, 'utf8') : '';
}

async function buildHtml(types) {
  const parts = [];
  for (const type of types) {
    for (const name of ['editor.html', 'help.html']) {
      const text = await readIfExists(join(nodesSrc, type, name));
      if (text) parts.push(`<!-- ${type}/${name} -->\n${text.trim()}\n`);
    }
  }
  await writeFile(join(out, 'mqtt-kit.html'), parts.join('\n'));
}

async function buildLocales(types) {
  const catalog = {};
  for (const type of types) {
    const text = await readIfExists(join(nodesSrc, type, 'messages.en-US.json'));
    if (text) catalog[type] = JSON.parse(text);
  }
  const shared = await readIfExists(join(nodesSrc, 'shared', 'messages.en-US.json'));
  if (shared) catalog['mqtt-kit'] = JSON.parse(shared);
  const dir = join(out, 'locales', 'en-US');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'mqtt-kit.json'), JSON.stringify(catalog, null, 2) + '\n');
}

async function copyIcons() {
  const src = join(root, 'icons');
  if (!existsSync(src) || !(await stat(src)).isDirectory()) return;
  await cp(src, join(out, 'icons'), { recursive: true });
}

export async function buildAll() {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  try {
    await buildInto();
    const old = `${finalOut}.old-${process.pid}`;
    if (existsSync(finalOut)) await rename(finalOut, old);
    await rename(out, finalOut);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return nodeTypeDirs();
}

async function buildInto() {
  await build({
    entryPoints: [join(nodesSrc, 'index.ts')],
    outfile: join(out, 'mqtt-kit.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['ws'],
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const types = await nodeTypeDirs();
  await buildHtml(types);
  await buildLocales(types);
  await copyIcons();
  return types;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const types = await buildAll();
  console.log(`built nodes/mqtt-kit.js, .html and locales for: ${types.join(', ') || '(no node types yet)'}`);
}
