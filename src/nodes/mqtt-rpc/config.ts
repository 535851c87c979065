// The mqtt-rpc node's saved properties, normalized once when the node starts (never re-read per msg).
import type { QoS } from '../../codec/types';
import { isDatatype, type Datatype } from '../shared/payload';

export type RpcMode = 'request' | 'respond' | 'reply';

/** Properties as the editor saves them (editor.html defaults). */
export interface MqttRpcDef {
  id: string;
  name?: string;
  broker?: string;
  mode?: string;
  topic?: string;
  qos?: string | number;
  expect?: string;
  timeout?: string | number;
  failures?: string;
  datatype?: string;
  responseTopic?: string;
  protocol?: string;
  correlation?: string;
  maxInFlight?: string | number;
  noResponder?: string;
}

export interface RpcConfig {
  mode: RpcMode;
  broker: string;
  /** Request topic (requester; '' = msg.topic) or request filter (responder). */
  topic: string;
  qos: QoS;
  /** Requester: wait for a reply, or fire and forget. */
  expect: 'reply' | 'none';
  /** Requester: default timeout, seconds (msg.timeout overrides). */
  timeoutS: number;
  /** Requester: failures to done(err) (Catch) or to the second output. */
  failures: 'error' | 'output';
  datatype: Datatype;
  responseTopic: string | undefined;
  protocol: 'auto' | 'envelope';
  correlation: 'auto' | 'msg';
  maxInFlight: number;
  noResponder: 'fail' | 'wait';
}

export const DEFAULT_TIMEOUT_S = 10;
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return value !== '' && value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function rpcConfig(def: MqttRpcDef): RpcConfig {
  const mode: RpcMode = def.mode === 'respond' || def.mode === 'reply' ? def.mode : 'request';
  const qos = Number(def.qos ?? 1);
  return {
    mode,
    broker: def.broker ?? '',
    topic: (def.topic ?? '').trim(),
    qos: (qos === 0 || qos === 2 ? qos : 1) as QoS,
    expect: def.expect === 'none' ? 'none' : 'reply',
    timeoutS: positive(def.timeout, DEFAULT_TIMEOUT_S),
    failures: def.failures === 'output' ? 'output' : 'error',
    datatype: isDatatype(def.datatype) ? def.datatype : 'auto-detect',
    responseTopic: def.responseTopic?.trim() || undefined,
    protocol: def.protocol === 'envelope' ? 'envelope' : 'auto',
    correlation: def.correlation === 'msg' ? 'msg' : 'auto',
    maxInFlight: Math.floor(positive(def.maxInFlight, DEFAULT_MAX_IN_FLIGHT)),
    noResponder: def.noResponder === 'wait' ? 'wait' : 'fail',
  };
}
