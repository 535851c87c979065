// Flow builders for the mqtt-rpc node tests (test/nodes/rpc*.test.ts) and the benchmark: nodes with the
// editor's defaults (src/nodes/mqtt-rpc/editor.html), and the core nodes the flows use.
import { dirname, join } from 'node:path';
import type { FlowNode } from '../nodes/flow-helpers';

export type RpcMode = 'request' | 'respond' | 'reply';

/** An mqtt-rpc node with the editor's defaults, overridden by `extra`. */
export function rpcNode(id: string, mode: RpcMode, broker: string, wires: string[][], extra: Record<string, unknown> = {}): FlowNode {
  const outputs = mode === 'reply' ? 0 : mode === 'respond' ? 1 : extra.failures === 'output' ? 2 : 1;
  return {
    id, type: 'mqtt-rpc', z: 'f1', x: 0, y: 0, name: '', mode, broker, topic: '', qos: '1', expect: 'reply', timeout: 10,
    failures: 'error', datatype: 'auto-detect', responseTopic: '', protocol: 'auto', correlation: 'auto', noResponder: 'fail',
    maxInFlight: 10000, inputs: mode === 'respond' ? 0 : 1, outputs, wires, ...extra,
  };
}

/** A core function node. */
export function functionNode(id: string, func: string, wires: string[]): FlowNode {
  return { id, type: 'function', z: 'f1', x: 0, y: 0, name: '', func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [wires] };
}

/** Core node modules (function, http in/response, ...) from the Node-RED under test. */
export function coreNodes(files: string[]): unknown[] {
  const nodeRed = process.env.MQTT_KIT_NODE_RED ?? dirname(require.resolve('node-red/package.json'));
  const base = dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRed] }));
  return files.map((f) => require(join(base, 'core', f)));
}

export const FUNCTION_NODE = 'function/10-function.js';

/**
 * node-red-node-test-helper registers its built-in core nodes (catch, complete, status) once per node of that
 * type in the flow, so a flow with two Catch nodes fails with "catch already registered". This runs `load`
 * with each of them registering at most once.
 */
export async function loadDedupingCoreNodes(helper: unknown, load: () => Promise<void>): Promise<void> {
  const modules = (helper as { _nodeModules: Record<string, (red: unknown) => unknown> })._nodeModules;
  const originals = { ...modules };
  for (const [type, register] of Object.entries(originals)) {
    let registered = false;
    modules[type] = (red) => {
      if (registered) return undefined;
      registered = true;
      return register(red);
    };
  }
  try {
    await load();
  } finally {
    Object.assign(modules, originals);
  }
}
