// Helpers for the broker interop suites: our broker on an ephemeral loopback port, the Mosquitto command line
// clients (mosquitto_pub / mosquitto_sub / mosquitto_rr) and a paho-mqtt client (fixtures/broker-paho.py)
// as child processes. Every child is bounded by a timeout and killed on cleanup.
//
// Without the tools a suite is skipped with a visible message, unless MQTT_KIT_REQUIRE_INTEROP=1 (CI), where
// it fails. MQTT_KIT_NO_BROKER_TOOLS=1 pretends they are absent (to check the skip path).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Broker, type BrokerSetup } from '../../src/broker';

export type Tool = 'mosquitto-clients' | 'paho';

const PAHO_SCRIPT = join(__dirname, 'fixtures', 'broker-paho.py');

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

let python: string | null | undefined;

/** A Python 3 that can import paho-mqtt: MQTT_KIT_PYTHON, Debian's /usr/bin/python3, or python3 on PATH. */
export function findPahoPython(): string | undefined {
  if (process.env.MQTT_KIT_NO_BROKER_TOOLS === '1') return undefined;
  if (python === undefined) {
    const candidates = [process.env.MQTT_KIT_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
    python = candidates.find((c) => (c.includes('/') ? existsSync(c) : true) && works(c, ['-c', 'import paho.mqtt.client'])) ?? null;
  }
  return python ?? undefined;
}

export function hasMosquittoClients(): boolean {
  if (process.env.MQTT_KIT_NO_BROKER_TOOLS === '1') return false;
  return ['mosquitto_pub', 'mosquitto_sub', 'mosquitto_rr'].every((t) => works('sh', ['-c', `command -v ${t}`]));
}

function missing(tools: Tool[]): string[] {
  return tools.filter((t) => (t === 'paho' ? !findPahoPython() : !hasMosquittoClients()));
}

/** Registers a suite that needs the tools, or a visible skip (a failure under MQTT_KIT_REQUIRE_INTEROP=1). */
export function describeWithTools(title: string, tools: Tool[], body: (this: Mocha.Suite) => void): void {
  const absent = missing(tools);
  if (absent.length === 0) {
    describe(title, body);
    return;
  }
  const what = `${absent.join(' and ')} not found (apt-get install mosquitto-clients python3-paho-mqtt)`;
  if (process.env.MQTT_KIT_REQUIRE_INTEROP === '1') {
    describe(title, () => {
      it(`needs ${absent.join(', ')} (MQTT_KIT_REQUIRE_INTEROP=1)`, () => {
        throw new Error(`${what}, and MQTT_KIT_REQUIRE_INTEROP=1 requires the interop suites to run`);
      });
    });
    return;
  }
  console.warn(`${what}: skipping "${title}"`);
  describe(`${title} (${what}: skipping)`, () => {
    it(`${absent.join(', ')} not found: skipping`, function () {
      this.skip();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose stdout is read line by line; killed when its time limit passes. */
export class Proc {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private partial = '';
  private waiters: Array<() => void> = [];
  private exit: Exit | undefined;
  private readonly limit: ReturnType<typeof setTimeout>;

  constructor(readonly child: ChildProcess, readonly label: string, limitMs: number) {
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      this.partial += text;
      const parts = this.partial.split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    child.stderr!.on('data', (text: string) => (this.stderr += text));
    child.stdin?.on('error', () => undefined); // writing to a process that was killed
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => {
      clearTimeout(this.limit);
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
      this.exit = { code, signal };
      this.wake();
      resolve(this.exit);
    }));
    this.limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resolves with the first line (from `from` on) matching; fails on timeout or exit. */
  async waitLine(match: (line: string) => boolean, options: { timeout?: number; from?: number } = {}): Promise<string> {
    let index = options.from ?? 0;
    let found: string | undefined;
    await this.until(() => {
      for (; index < this.lines.length; index++) {
        if (match(this.lines[index]!)) {
          found = this.lines[index]!;
          return true;
        }
      }
      return false;
    }, options.timeout ?? 5000);
    return found!;
  }

  /** Resolves once `ready()` holds (checked whenever output arrives); fails on timeout or exit. */
  async until(ready: () => boolean, timeout = 5000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (ready()) return;
      if (!this.running) throw new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before the expected output; stdout ${JSON.stringify(this.lines)}; stderr ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: timed out after ${timeout} ms; stdout ${JSON.stringify(this.lines)}; stderr ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves on the next output or exit. */
  changed(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for the process to end by itself, within `timeout`. */
  async finished(timeout = 10_000): Promise<Exit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label} did not exit within ${timeout} ms; stdout ${JSON.stringify(this.lines)}; stderr ${this.stderr}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the process vanishes without DISCONNECT (the broker sees the socket close). */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Resolves once `ready()` holds, checked whenever any of `procs` prints; fails on timeout. */
export async function untilAll(procs: Proc[], ready: () => boolean, timeout = 5000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!ready()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([...procs.map((p) => p.changed()), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }
}

/** Starts child processes and kills whatever is still running on cleanup (call it in afterEach). */
export class Procs {
  private readonly all: Proc[] = [];

  spawn(cmd: string, args: string[], options: { label?: string; limitMs?: number } = {}): Proc {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const proc = new Proc(child, options.label ?? `${cmd} ${args.join(' ')}`, options.limitMs ?? 20_000);
    this.all.push(proc);
    return proc;
  }

  /** Runs a command to its end; fails if it exits non-zero or runs past `timeout`. */
  async run(cmd: string, args: string[], timeout = 10_000): Promise<string[]> {
    const proc = this.spawn(cmd, args, { limitMs: timeout + 1000 });
    proc.child.stdin!.end();
    const exit = await proc.finished(timeout);
    assert.equal(exit.code, 0, `${proc.label} exited with ${JSON.stringify(exit)}: ${proc.stderr}`);
    return proc.lines;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((p) => p.kill()));
  }
}

// ---------------------------------------------------------------------------------------------
// paho-mqtt
// ---------------------------------------------------------------------------------------------

export interface PahoConfig {
  host?: string;
  port: number;
  clientId: string;
  version: 4 | 5;
  clean?: boolean;
  sessionExpiry?: number;
  keepalive?: number;
  will?: { topic: string; payload?: string; qos?: number; retain?: boolean };
  transport?: 'tcp' | 'websockets';
  wsPath?: string;
  tls?: { ca: string };
  respond?: boolean;
}

export interface PahoEvent {
  event: string;
  [key: string]: unknown;
}

export interface PahoMessage {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  userProperties?: Array<[string, string]>;
  contentType?: string;
  responseTopic?: string;
  correlationData?: string;
}

/** A paho client in a Python child process, driven by JSON lines (see fixtures/broker-paho.py). */
export class Paho {
  private read = 0;

  private constructor(readonly proc: Proc) {}

  /** Starts the client and waits for its CONNACK; resolves with the connected event. */
  static async connect(procs: Procs, config: PahoConfig): Promise<{ paho: Paho; sessionPresent: boolean }> {
    const py = findPahoPython();
    if (!py) throw new Error('no python3 with paho-mqtt');
    const proc = procs.spawn(py, ['-u', PAHO_SCRIPT, JSON.stringify({ host: '127.0.0.1', ...config })], { label: `paho ${config.clientId}` });
    const paho = new Paho(proc);
    const connected = await paho.next('connected');
    assert.equal(connected.rc, 0, `paho ${config.clientId} CONNACK ${String(connected.rc)}`);
    return { paho, sessionPresent: connected.sessionPresent === true };
  }

  get events(): PahoEvent[] {
    return this.proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PahoEvent);
  }

  /** Every message received so far. */
  get messages(): PahoMessage[] {
    return this.events.filter((e) => e.event === 'message') as unknown as PahoMessage[];
  }

  /** The next event of this kind after the last one consumed by next(). */
  async next(event: string, timeout = 5000): Promise<PahoEvent> {
    let found: PahoEvent | undefined;
    let at = this.read;
    await this.proc.waitLine((line) => {
      at++;
      if (!line.startsWith('{')) return false;
      const e = JSON.parse(line) as PahoEvent;
      if (e.event === 'error') throw new Error(`paho: ${String(e.message)}`);
      if (e.event !== event) return false;
      found = e;
      return true;
    }, { timeout, from: this.read });
    this.read = at;
    return found!;
  }

  /** Waits until `count` messages have arrived in total. */
  async messagesUntil(count: number, timeout = 5000): Promise<PahoMessage[]> {
    await this.proc.until(() => this.messages.length >= count, timeout);
    return this.messages;
  }

  send(command: Record<string, unknown>): void {
    this.proc.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  async subscribe(topic: string, qos: number): Promise<number[]> {
    this.send({ op: 'subscribe', topic, qos });
    return (await this.next('subscribed')).granted as number[];
  }

  /** Publishes and waits for paho's on_publish (after PUBACK / PUBCOMP for QoS 1 / 2). */
  async publish(topic: string, payload: string, options: { qos?: number; retain?: boolean; userProperties?: Array<[string, string]>; contentType?: string } = {}): Promise<void> {
    this.send({ op: 'publish', topic, payload, qos: options.qos ?? 0, retain: options.retain ?? false, userProperties: options.userProperties, contentType: options.contentType });
    const { mid } = await this.next('publishing');
    await this.proc.until(() => this.events.some((e) => e.event === 'published' && e.mid === mid));
  }

  /** Clean DISCONNECT, then the process exits. */
  async disconnect(): Promise<void> {
    this.send({ op: 'disconnect' });
    await this.proc.finished(5000);
  }
}

// ---------------------------------------------------------------------------------------------
// Our broker
// ---------------------------------------------------------------------------------------------

/** Our broker on 127.0.0.1 with an ephemeral port. */
export async function startBroker(options: BrokerSetup = {}): Promise<{ broker: Broker; port: number }> {
  const broker = new Broker(options);
  const listener = await broker.listen({ port: 0, host: '127.0.0.1' });
  return { broker, port: listener.address()!.port };
}

/** What brokerPerTest() gives the tests of a suite. */
export interface BrokerPerTest {
  /** The current test's broker. */
  readonly broker: Broker;
  readonly port: number;
  /** The child processes the tests start: all killed after each test. */
  readonly procs: Procs;
}

/**
 * Registers the hooks of a suite whose tests each get a fresh broker of ours (startBroker) and start tools
 * as child processes: beforeEach starts the broker; afterEach kills every child, then closes the broker.
 */
export function brokerPerTest(options: BrokerSetup = {}): BrokerPerTest {
  const procs = new Procs();
  let current: { broker: Broker; port: number } | undefined;
  beforeEach(async () => {
    current = await startBroker(options);
  });
  afterEach(async () => {
    await procs.killAll();
    await current?.broker.close();
    current = undefined;
  });
  const started = (): { broker: Broker; port: number } => current ?? assert.fail('brokerPerTest: read the broker in tests and hooks');
  return {
    procs,
    get broker() {
      return started().broker;
    },
    get port() {
      return started().port;
    },
  };
}
