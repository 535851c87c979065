// Entry point of the Node-RED bundle (nodes/mqtt-kit.js). Node-RED calls the exported function once
// with its API; every node type of the package registers here so all share one module scope: one
// connection pool (src/client's `pool`) for every config node and every node that leases from it.
import { pool } from '../client';
import { registerBrokerConfig } from './mqtt-broker-config/runtime';
import { registerEmbeddedBroker } from './mqtt-embedded-broker/runtime';
import { registerMqttIn } from './mqtt-in/runtime';
import { registerMqttOut } from './mqtt-out/runtime';
import { registerMqttRpc } from './mqtt-rpc/runtime';
import type { NodeAPI } from './shared/red';

export = function register(RED: NodeAPI): void {
  registerBrokerConfig(RED, pool);
  registerMqttIn(RED);
  registerMqttOut(RED);
  registerMqttRpc(RED);
  registerEmbeddedBroker(RED);
};
