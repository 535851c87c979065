// Runs a real Mosquitto for interop tests: each suite starts its own broker on free loopback ports with its
// own config in a temp dir, and stops it. Shared by the client, broker and rpc interop suites.
//
//   describeWithMosquitto('client vs mosquitto', function () {
//     let broker: Mosquitto;
//     before(async () => { broker = await Mosquitto.start({ websockets: true }); });
//     after(() => broker.stop());
//   });
//
// Without a mosquitto binary the suite is skipped with a visible message, unless MQTT_KIT_REQUIRE_INTEROP=1
// (CI), where it fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/bin/mosquitto', '/opt/homebrew/sbin/mosquitto'];

/** MOSQUITTO_BIN names the binary; MQTT_KIT_NO_MOSQUITTO=1 pretends there is none (to check the skip path). */
export function findMosquitto(): string | undefined {
  if (process.env.MQTT_KIT_NO_MOSQUITTO === '1') return undefined;
  if (process.env.MOSQUITTO_BIN && existsSync(process.env.MOSQUITTO_BIN)) return process.env.MOSQUITTO_BIN;
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Registers a suite that needs Mosquitto, or a visible skip (or failure under MQTT_KIT_REQUIRE_INTEROP=1). */
export function describeWithMosquitto(title: string, body: (this: Mocha.Suite) => void): void {
  if (findMosquitto()) {
    describe(title, body);
    return;
  }
  if (process.env.MQTT_KIT_REQUIRE_INTEROP === '1') {
    describe(title, () => {
      it('needs mosquitto (MQTT_KIT_REQUIRE_INTEROP=1)', () => {
        throw new Error('mosquitto not found, and MQTT_KIT_REQUIRE_INTEROP=1 requires the interop suites to run');
      });
    });
    return;
  }
  console.warn(`mosquitto not found: skipping "${title}"`);
  describe(`${title} (mosquitto not found: skipping)`, () => {
    it('mosquitto not found: skipping', function () {
      this.skip();
    });
  });
}

export interface MosquittoTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Ask for and verify client certificates against caFile. */
  requireCertificate?: boolean;
}

export interface MosquittoOptions {
  /** Add a WebSocket listener. */
  websockets?: boolean;
  /** Add an MQTT-over-TLS listener (and a WSS one when websockets is on). */
  tls?: MosquittoTls;
  /** user -> password; turns anonymous access off. */
  users?: Record<string, string>;
  /** Keep sessions and queued messages across restart() (persistence file in the temp dir). */
  persistence?: boolean;
  /** Extra mosquitto.conf lines (global section). */
  extra?: string[];
}

export interface MosquittoPorts {
  mqtt: number;
  ws?: number;
  mqtts?: number;
  wss?: number;
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly ports: MosquittoPorts,
  ) {}

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const bin = findMosquitto();
    if (!bin) throw new Error('mosquitto not found');
    const dir = mkdtempSync(join(tmpdir(), 'mqttkit-mosquitto-'));
    const ports: MosquittoPorts = { mqtt: await freePort() };
    if (options.websockets) ports.ws = await freePort();
    if (options.tls) ports.mqtts = await freePort();
    if (options.tls && options.websockets) ports.wss = await freePort();
    writeFileSync(join(dir, 'mosquitto.conf'), configText(dir, ports, options));
    const broker = new Mosquitto(bin, dir, ports);
    await broker.launch();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.ports.mqtt}`;
  }

  /** Everything the broker logged so far (for assertions and failure messages). */
  get output(): string {
    return this.log;
  }

  /** Stops (SIGTERM: persistence is saved) and starts again on the same ports. */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch();
  }

  /** Stops the broker (saving persistence) without removing its directory; start again with launch(). */
  async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async launch(): Promise<void> {
    const child = spawn(this.bin, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`mosquitto did not start in 10 s:\n${this.log}`)), 10_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        this.log += text;
        if (/mosquitto version \S+ running/.test(this.log.slice(-2000))) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => fail(new Error(`mosquitto exited with ${code}:\n${this.log}`)));
    });
  }
}

function configText(dir: string, ports: MosquittoPorts, options: MosquittoOptions): string {
  const lines = [
    `user ${userInfo().username}`,
    'per_listener_settings false',
    `allow_anonymous ${options.users ? 'false' : 'true'}`,
    `persistence ${options.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'max_queued_messages 100000',
    'max_inflight_messages 0',
    ...(options.extra ?? []),
  ];
  if (options.users) {
    const file = join(dir, 'passwords');
    writeFileSync(file, '');
    for (const [user, password] of Object.entries(options.users)) {
      execFileSync('mosquitto_passwd', ['-b', file, user, password], { stdio: 'ignore' });
    }
    lines.push(`password_file ${file}`);
  }
  lines.push(`listener ${ports.mqtt} 127.0.0.1`, 'protocol mqtt');
  if (ports.ws) lines.push(`listener ${ports.ws} 127.0.0.1`, 'protocol websockets');
  const tlsLines = (t: MosquittoTls): string[] => [
    `cafile ${t.caFile}`,
    `certfile ${t.certFile}`,
    `keyfile ${t.keyFile}`,
    `require_certificate ${t.requireCertificate ? 'true' : 'false'}`,
  ];
  if (ports.mqtts && options.tls) lines.push(`listener ${ports.mqtts} 127.0.0.1`, 'protocol mqtt', ...tlsLines(options.tls));
  if (ports.wss && options.tls) lines.push(`listener ${ports.wss} 127.0.0.1`, 'protocol websockets', ...tlsLines(options.tls));
  return lines.join('\n') + '\n';
}
