// Starts a real Node-RED (the devDependency) in a child process with a fresh user directory in which this
// package is linked as a module, on a free loopback port; stops it and removes the directory. For the
// browser test: what a user gets after `npm install node-red-contrib-mqtt-kit`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port';

const root = join(__dirname, '..', '..');

export class NodeRedProcess {
  private log = '';

  private constructor(readonly url: string, readonly userDir: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => (this.log += d));
    child.stderr?.on('data', (d) => (this.log += d));
  }

  /** Output so far, for failure messages. */
  get output(): string {
    return this.log;
  }

  static async start(flows: unknown[] = []): Promise<NodeRedProcess> {
    const userDir = mkdtempSync(join(tmpdir(), 'mqtt-kit-e2e-'));
    mkdirSync(join(userDir, 'node_modules'));
    symlinkSync(root, join(userDir, 'node_modules', 'node-red-contrib-mqtt-kit'), 'dir');
    const port = await freePort();
    writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
    writeFileSync(join(userDir, 'settings.js'), `module.exports = {
  uiPort: ${port}, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: 'e2e',
  logging: { console: { level: 'info' } },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
  telemetry: { enabled: false },
  externalModules: { palette: { allowInstall: false } },
};\n`);
    const redJs = join(root, 'node_modules', 'node-red', 'red.js');
    const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const nr = new NodeRedProcess(`http://127.0.0.1:${port}/`, userDir, child);
    await nr.waitFor(/Server now running at/, 60_000);
    return nr;
  }

  /** Resolves when the output matches, rejects on exit or timeout (the event, not a sleep). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(this.log)) return;
        cleanup();
        resolve();
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`Node-RED exited (${code}) before ${pattern}:\n${this.log}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Node-RED did not print ${pattern} within ${timeoutMs} ms:\n${this.log}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
