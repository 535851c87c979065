// Entry point of the Node-RED bundle (nodes/mqtt-kit.js). Node-RED calls the exported function once
// with its API; every node type of the package registers here so all share one module scope (one pool).
import type { NodeAPI } from './shared/red';

export = function register(RED: NodeAPI): void {
  void RED; // node types register here as they land
};
