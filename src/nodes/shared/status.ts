// THE status table. Every node that uses a broker connection shows the same status for the same
// connection state, built here from one table: colour and shape by phase, then the text with what core
// never shows (P6/P19): why the link is down, when the next attempt is, and how many messages wait.
import type { NodeStatus } from './red';
import type { Translate } from './errors';
import { reasonText, type Reason } from './reasons';

export type LinkPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

/** What the nodes know about one broker connection; the config node keeps it and fans it out. */
export interface LinkView {
  phase: LinkPhase;
  /** Why the link is not up (last refusal or transport failure). */
  reason?: Reason | undefined;
  /** Epoch ms of the next connection attempt while reconnecting. */
  retryAt?: number | undefined;
  /** Messages waiting to be sent (offline queue, or beyond the in-flight window). */
  queued?: number | undefined;
  /** The session store is failing (messages are failed, not sent): shown in any phase. */
  store?: Reason | undefined;
}

interface PhaseStyle {
  fill: NonNullable<NodeStatus['fill']>;
  shape: NonNullable<NodeStatus['shape']>;
  key: string;
}

export const STATUS: Readonly<Record<Exclude<LinkPhase, 'closed'>, PhaseStyle>> = {
  idle: { fill: 'grey', shape: 'ring', key: 'mqtt-kit.status.idle' },
  connecting: { fill: 'yellow', shape: 'ring', key: 'mqtt-kit.status.connecting' },
  connected: { fill: 'green', shape: 'dot', key: 'mqtt-kit.status.connected' },
  reconnecting: { fill: 'red', shape: 'ring', key: 'mqtt-kit.status.disconnected' },
  disconnected: { fill: 'red', shape: 'ring', key: 'mqtt-kit.status.disconnected' },
};

const STORE_FAILING: PhaseStyle = { ...STATUS.connected, fill: 'yellow' };

/** The parts after the phase word, in reading order. */
function details(view: LinkView, now: number, t: Translate): string[] {
  const parts: string[] = [];
  if (view.reason && view.phase !== 'connected') parts.push(reasonText(view.reason, t));
  const storeIsReason = view.reason?.key === view.store?.key && view.phase !== 'connected';
  if (view.store && !storeIsReason) parts.push(reasonText(view.store, t));
  if (view.phase === 'reconnecting' && view.retryAt !== undefined) {
    const seconds = Math.max(0, Math.ceil((view.retryAt - now) / 1000));
    parts.push(t('mqtt-kit.status.retry-in', { seconds }));
  }
  if (view.queued) parts.push(t('mqtt-kit.status.queued', { count: view.queued }));
  return parts;
}

/**
 * Node status for a link state: "connected", "connected · 12 queued", "connecting",
 * "disconnected: not authorised · retry in 5 s · 3 queued". `closed` clears the status.
 */
export function renderStatus(view: LinkView, now: number, t: Translate): NodeStatus {
  if (view.phase === 'closed') return {};
  // Connected but the store is failing: not the green of all-is-well.
  const style = view.store && view.phase === 'connected' ? STORE_FAILING : STATUS[view.phase];
  const word = t(style.key);
  const [first, ...rest] = details(view, now, t);
  let text = word;
  if (first !== undefined) text += (view.reason && view.phase !== 'connected' ? ': ' : ' · ') + first;
  for (const part of rest) text += ` · ${part}`;
  return { fill: style.fill, shape: style.shape, text };
}

/** True when the status text changes with time alone (a countdown to refresh once a second). */
export function hasCountdown(view: LinkView): boolean {
  return view.phase === 'reconnecting' && view.retryAt !== undefined;
}
