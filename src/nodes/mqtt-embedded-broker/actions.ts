// The node's input. Without msg.action a msg is published into the broker (as mqtt-out would, without a
// client: topic, payload, qos, retain and the v5 properties core's mqtt out reads). Actions answer on
// output 1 with the same msg and the result in msg.payload:
//   clients    -> the connected clients
//   retained   -> retained messages matching msg.topic (a filter; default "#")
//   stats      -> the broker's counters
//   disconnect -> closes the client msg.clientId (or msg.payload); payload true if it was connected
import type { Broker } from '../../broker';
import { kitError, type Translate } from '../shared/errors';
import { msgToPublish } from '../shared/publish-msg';
import type { NodeMessage } from '../shared/red';
import { clientFields, retainedEntry } from './events';

export const BROKER_ACTIONS = ['publish', 'clients', 'retained', 'stats', 'disconnect'] as const;
export type BrokerAction = (typeof BROKER_ACTIONS)[number];

export function actionOf(msg: NodeMessage, t: Translate): BrokerAction {
  const action = msg.action;
  if (action === undefined || action === null || action === '') return 'publish';
  if (typeof action === 'string' && (BROKER_ACTIONS as readonly string[]).includes(action)) return action as BrokerAction;
  throw kitError(t, 'INVALID_ACTION', { action: String(action), allowed: BROKER_ACTIONS.join(', ') });
}

/** Runs the msg's action; resolves with the msg to send on output 1, or undefined (publish). */
export async function runAction(broker: Broker, msg: NodeMessage, t: Translate): Promise<NodeMessage | undefined> {
  const action = actionOf(msg, t);
  switch (action) {
    case 'publish': {
      const out = msgToPublish(msg, {}, { v5: true, t });
      await broker.publish(out);
      return undefined;
    }
    case 'clients':
      msg.payload = broker.clients().map(clientFields);
      return msg;
    case 'retained': {
      const filter = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : '#';
      try {
        msg.payload = broker.retainedMatching(filter).map(retainedEntry);
      } catch (err) {
        throw kitError(t, 'INVALID_SUBSCRIPTION', { entry: filter, problem: (err as Error).message }, { cause: err });
      }
      return msg;
    }
    case 'stats':
      msg.payload = broker.stats;
      return msg;
    case 'disconnect': {
      const id = typeof msg.clientId === 'string' ? msg.clientId : typeof msg.payload === 'string' ? msg.payload : '';
      msg.payload = id !== '' && broker.disconnectClient(id);
      return msg;
    }
  }
}
