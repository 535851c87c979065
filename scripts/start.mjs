// `npm start`: builds the package, then runs Node-RED (the devDependency) with a user directory inside the
// repository (.node-red/, git-ignored) in which this package is linked as a module, and a demo flow that runs
// its own broker (an mqtt-embedded-broker node), publishes a counter, subscribes to it and makes an mqtt-rpc
// call. It needs no external broker. Prints the editor URL.
//
//   npm start                    # PORT=1880 HOST=127.0.0.1 by default
//   PORT=1999 npm start
//   MQTT_KIT_DEMO=reset npm start   # rewrite the demo flow (otherwise an edited flows.json is kept)
//   MQTT_KIT_USERDIR=/tmp/x npm start   # another user directory (the tests use one of their own)
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import vm from 'node:vm';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const userDir = process.env.MQTT_KIT_USERDIR || join(root, '.node-red');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const host = process.env.HOST || '127.0.0.1';

function freePort(preferred) {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', () => (preferred ? freePort(0).then(resolve, reject) : reject(new Error('no free port'))));
    s.listen(preferred, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The package appears in <userDir>/node_modules as a link to the repository: rebuilds need no reinstall. */
function linkPackage() {
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  const link = join(userDir, 'node_modules', pkg.name);
  if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(root, link, 'dir');
  const manifest = join(userDir, 'package.json');
  if (!existsSync(manifest)) {
    writeFileSync(manifest, JSON.stringify({ name: 'mqtt-kit-demo', private: true, dependencies: { [pkg.name]: `file:${root}` } }, null, 2) + '\n');
  }
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeSettings(port) {
  const settings = `// Written by scripts/start.mjs on every start.
module.exports = {
  uiPort: ${port},
  uiHost: ${JSON.stringify(host)},
  flowFile: 'flows.json',
  credentialSecret: 'mqtt-kit-demo',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false },
};
`;
  writeFileSync(join(userDir, 'settings.js'), settings);
}

/**
 * The demo: a counter published every 2 s at QoS 1 (the Complete node shows each PUBACK), a subscription
 * that shows every message with its msg.mqtt metadata, and a Catch node for anything that fails.
 */
function demoFlow(broker) {
  const z = 'mqttkit.demo.tab';
  const cfg = 'mqttkit.demo.broker';
  const nodes = [
    { id: z, type: 'tab', label: 'mqtt kit demo', disabled: false, info: '' },
    {
      id: 'mqttkit.demo.about', type: 'comment', z, name: 'mqtt kit demo: read me', x: 170, y: 40, wires: [],
      info: [
        'A counter is published to `demo/counter` every 2 seconds with QoS 1 by **mqtt kit out**.',
        'The Complete node fires when the broker has acknowledged each message (PUBACK).',
        '**mqtt kit in** subscribes to `demo/#`; the debug sidebar shows each message with `msg.mqtt`',
        '(dup, messageId, the matching subscription, the broker config id).',
        '',
        `Broker: ${broker.note}.`,
        '',
        'Every 5 s **mqtt kit rpc** asks `demo/rpc/time` for the time and waits for the answer; a responder',
        'flow (rpc *respond* -> function -> rpc *reply*) answers over MQTT 5 request/response.',
        '',
        'Disable the broker node and deploy to see the status say why the link is down, the reconnect',
        'countdown and the messages waiting in the offline queue; they are sent when the broker is back.',
      ].join('\n'),
    },
    {
      id: cfg, type: 'mqtt-broker-config', name: 'demo broker', broker: broker.server, port: '', usetls: false,
      protocolVersion: 5, clientid: '', keepalive: 60, connectTimeout: 30, cleansession: true, sessionExpiry: 0,
      autoConnect: true, birthTopic: 'demo/status', birthQos: '1', birthRetain: 'true',
      birthPayload: 'online', birthMsg: {}, closeTopic: 'demo/status', closeQos: '1', closeRetain: 'true',
      closePayload: 'offline', closeMsg: {}, willTopic: 'demo/status', willQos: '1', willRetain: 'true',
      willPayload: 'lost', willMsg: {}, store: 'memory', queueMaxMessages: 10000, queueMaxMB: 64, qos0Offline: 'queue',
      reconnectMin: 1, reconnectMax: 30, reconnectFactor: 2, userProps: '', receiveMaximum: '', maximumPacketSize: '',
      topicAliasMaximum: 0, requestProblemInformation: true, requestResponseInformation: true,
    },
    {
      id: 'mqttkit.demo.tick', type: 'inject', z, name: 'every 2 s', props: [{ p: 'payload' }], repeat: '2',
      crontab: '', once: true, onceDelay: '1', topic: '', payload: '', payloadType: 'date', x: 140, y: 120,
      wires: [['mqttkit.demo.count']],
    },
    {
      id: 'mqttkit.demo.count', type: 'function', z, name: 'count', outputs: 1, x: 310, y: 120,
      func: "const n = (context.get('n') || 0) + 1;\ncontext.set('n', n);\nmsg.topic = 'demo/counter';\nmsg.payload = { n, at: new Date(msg.payload).toISOString() };\nreturn msg;",
      initialize: '', finalize: '', libs: [], noerr: 0, wires: [['mqttkit.demo.out']],
    },
    {
      id: 'mqttkit.demo.out', type: 'mqtt-out', z, name: '', topic: '', qos: '1', retain: '', respTopic: '',
      correl: '', contentType: 'application/json', expiry: '', userProps: '', broker: cfg, x: 490, y: 120, wires: [],
    },
    {
      id: 'mqttkit.demo.complete', type: 'complete', z, name: 'acknowledged', scope: ['mqttkit.demo.out'],
      uncaught: false, x: 150, y: 180, wires: [['mqttkit.demo.acked']],
    },
    {
      id: 'mqttkit.demo.acked', type: 'debug', z, name: 'last PUBACK', active: false, tosidebar: false,
      console: false, tostatus: true, complete: 'payload.n', targetType: 'msg', statusVal: 'payload.n',
      statusType: 'auto', x: 340, y: 180, wires: [],
    },
    {
      id: 'mqttkit.demo.in', type: 'mqtt-in', z, name: '', topic: 'demo/#', qos: '2', datatype: 'auto-detect',
      broker: cfg, nl: false, rap: true, rh: 0, inputs: 0, x: 140, y: 260, wires: [['mqttkit.demo.show']],
    },
    {
      id: 'mqttkit.demo.show', type: 'debug', z, name: 'received', active: true, tosidebar: true, console: false,
      tostatus: false, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', x: 330, y: 260, wires: [],
    },
    { id: 'mqttkit.demo.catch', type: 'catch', z, name: 'errors', scope: null, uncaught: false, x: 130, y: 320, wires: [['mqttkit.demo.err']] },
    {
      id: 'mqttkit.demo.err', type: 'debug', z, name: 'error', active: true, tosidebar: true, console: false,
      tostatus: false, complete: 'error', targetType: 'msg', statusVal: '', statusType: 'auto', x: 310, y: 320, wires: [],
    },
  ];
  // First in the flow for readability; flow order does not matter (memory:// waits for its listener).
  // Output 1 (client connects, subscriptions, refused logins) goes to the debug sidebar.
  nodes.splice(1, 0, { ...editorDefaults('mqtt-embedded-broker'), ...broker.node, id: 'mqttkit.demo.embedded', z, x: 500, y: 40, wires: [['mqttkit.demo.events'], []] });
  nodes.push({
    id: 'mqttkit.demo.events', type: 'debug', z, name: 'broker events', active: true, tosidebar: true, console: false,
    tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 690, y: 40, wires: [],
  });
  nodes.push(...rpcDemo(z, cfg));
  return nodes;
}

/** Request/response: ask for the time every 5 s; a responder flow answers over MQTT. */
function rpcDemo(z, cfg) {
  const rpc = (over) => ({ ...editorDefaults('mqtt-rpc'), z, broker: cfg, ...over });
  return [
    {
      id: 'mqttkit.demo.ask', type: 'inject', z, name: 'every 5 s', props: [{ p: 'payload' }], repeat: '5',
      crontab: '', once: true, onceDelay: '2', topic: '', payload: '{"tz":"UTC"}', payloadType: 'json', x: 140, y: 400,
      wires: [['mqttkit.demo.call']],
    },
    rpc({ id: 'mqttkit.demo.call', name: 'what time is it?', mode: 'request', topic: 'demo/rpc/time', timeout: 5, inputs: 1, outputs: 1, x: 340, y: 400, wires: [['mqttkit.demo.answer']] }),
    {
      id: 'mqttkit.demo.answer', type: 'debug', z, name: 'rpc reply', active: true, tosidebar: true, console: false,
      tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'payload.time', statusType: 'msg', x: 550, y: 400, wires: [],
    },
    rpc({ id: 'mqttkit.demo.serve', name: 'serve demo/rpc/time', mode: 'respond', topic: 'demo/rpc/time', inputs: 0, outputs: 1, x: 160, y: 460, wires: [['mqttkit.demo.clock']] }),
    {
      id: 'mqttkit.demo.clock', type: 'function', z, name: 'tell the time', outputs: 1, x: 370, y: 460,
      func: "msg.payload = { time: new Date().toISOString(), asked: msg.payload };\nreturn msg;",
      initialize: '', finalize: '', libs: [], noerr: 0, wires: [['mqttkit.demo.reply']],
    },
    rpc({ id: 'mqttkit.demo.reply', name: 'reply', mode: 'reply', broker: '', inputs: 1, outputs: 0, x: 550, y: 460, wires: [] }),
  ];
}

/** A type's editor defaults, read from the built HTML the way the editor reads them (registerType). */
function editorDefaults(type) {
  const html = readFileSync(join(root, 'nodes', 'mqtt-kit.html'), 'utf8');
  const found = {};
  const RED = { nodes: { registerType: (t, def) => (found[t] = def), node: () => null }, _: (k) => k };
  const context = vm.createContext({ RED, $: () => ({ length: 0, val: () => undefined, is: () => false }) });
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
    try {
      vm.runInContext(m[1], context);
    } catch (err) {
      // A script that needs the real editor at load time: its type just is not offered to the demo.
      console.warn(`mqtt kit: could not read an editor script for the demo (${err.message})`);
    }
  }
  const def = found[type];
  if (!def) return undefined;
  const values = { type };
  for (const [k, d] of Object.entries(def.defaults ?? {})) if (!d.type) values[k] = JSON.parse(JSON.stringify(d.value ?? ''));
  return values;
}

/** The demo's broker: an mqtt-embedded-broker node, reached in-process by the flow and on TCP by others. */
async function demoBroker() {
  const port = await freePort(1883);
  return {
    port, server: 'memory://mqttkit.demo.embedded', node: { name: 'demo broker', port },
    note: `the demo runs its own broker (mqtt-embedded-broker node): the flow connects in-process, other clients on 127.0.0.1:${port}`,
  };
}

function writeFlow(broker) {
  const file = join(userDir, 'flows.json');
  const reset = process.env.MQTT_KIT_DEMO === 'reset';
  const marker = join(userDir, '.demo-broker');
  const previous = existsSync(marker) ? readFileSync(marker, 'utf8') : '';
  const key = `embedded:${broker.port}`;
  // Keep a flow the user edited, unless the broker it points at changed (e.g. a new Mosquitto port).
  if (existsSync(file) && !reset && previous === key) return false;
  writeFileSync(file, JSON.stringify(demoFlow(broker), null, 2) + '\n');
  writeFileSync(marker, key);
  return true;
}

async function main() {
  const types = await buildAll();
  console.log(`built nodes/mqtt-kit.js for: ${types.join(', ')}`);
  mkdirSync(userDir, { recursive: true });
  linkPackage();
  const port = await freePort(Number(process.env.PORT || 1880));
  writeSettings(port);
  const broker = await demoBroker();
  const wrote = writeFlow(broker);
  const redJs = join(root, 'node_modules', 'node-red', 'red.js');
  if (!existsSync(redJs)) throw new Error('node-red is not installed: run `npm install` first');
  const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let announced = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (!announced && /Server now running at/.test(String(chunk))) {
      announced = true;
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
      console.log(`\n  mqtt kit: Node-RED editor at ${url}`);
      console.log(`  mqtt kit: ${broker.note}`);
      console.log(`  mqtt kit: ${wrote ? 'demo flow written to' : 'kept your flow in'} .node-red/flows.json (MQTT_KIT_DEMO=reset npm start rewrites it)\n`);
    }
  });
  const stop = (signal) => child.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}

main().catch((err) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
