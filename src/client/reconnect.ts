// Reconnect policy, pure: given what happened to the last attempt or connection, how long to wait before
// the next one and why. Exponential backoff with jitter, reset after a stable connection; refusals that
// retrying cannot fix (bad credentials, banned, wrong protocol, server moved) wait the maximum delay; a
// duplicate-client-id kick loop is detected and named. No timers here: the driver schedules the delay.
import type { ProtocolVersion } from '../codec/types';

export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialDelayMs: number;
  /** Upper bound of any delay, ms; also the delay after a refusal that retrying will not fix. */
  maxDelayMs: number;
  /** Growth per consecutive failure (>= 1). */
  factor: number;
  /** Fraction (0..1) of the delay that is randomized: delay * (1 - jitter * random()). */
  jitter: number;
  /** A connection that stayed up this long resets the backoff, ms. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  factor: 2,
  jitter: 0.2,
  stableAfterMs: 10_000,
};

/** How the last attempt or connection ended. */
export type ConnectionOutcome =
  /** The transport could not be opened, or the connection died before CONNACK (DNS, refused, TLS, timeout). */
  | { kind: 'failed' }
  /** The server answered CONNECT with a refusal. */
  | { kind: 'refused'; reasonCode: number; version: ProtocolVersion }
  /** An established connection ended; `reasonCode` when the server sent DISCONNECT (v5). */
  | { kind: 'lost'; connectedForMs: number; reasonCode?: number };

export type ReconnectReason =
  | 'backoff' // ordinary exponential backoff
  | 'refused' // a refusal retrying cannot fix: wait the maximum
  | 'kickLoop'; // repeatedly taken over by another client with the same id

export interface ReconnectPlan {
  delayMs: number;
  reason: ReconnectReason;
  /** Consecutive failures counted so far (0 after a stable connection). */
  failures: number;
}

export interface BackoffState {
  failures: number;
  /** Times (ms) of recent short connections ended by "session taken over" (0x8E). */
  takeovers: number[];
}

export const INITIAL_BACKOFF_STATE: Readonly<BackoffState> = { failures: 0, takeovers: [] };

/** 0x8E Session taken over: another connection used our client id [MQTT-3.1.4-3]. */
export const SESSION_TAKEN_OVER = 0x8e;
/** This many takeovers within KICK_WINDOW_MS make a kick loop. */
export const KICK_LOOP_COUNT = 3;
export const KICK_WINDOW_MS = 60_000;

/** 3.1/3.1.1 CONNACK return code 3 (server unavailable) is the only transient one. */
const TRANSIENT_V3 = new Set([3]);
/** v5 CONNACK/DISCONNECT codes worth retrying on the ordinary schedule. */
const TRANSIENT_V5 = new Set([
  0x80, // unspecified error
  0x83, // implementation specific error
  0x88, // server unavailable
  0x89, // server busy
  0x8b, // server shutting down
  0x8d, // keep alive timeout
  0x8e, // session taken over (handled by the kick-loop rule)
  0x98, // administrative action
]);

/** True when a CONNACK refusal is worth retrying on the ordinary schedule (server unavailable / busy). */
export function isTransientRefusal(reasonCode: number, version: ProtocolVersion): boolean {
  return version === 5 ? TRANSIENT_V5.has(reasonCode) : TRANSIENT_V3.has(reasonCode);
}

function backoffDelay(failures: number, opts: BackoffOptions, random: () => number): number {
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * Math.pow(opts.factor, Math.max(0, failures - 1)));
  return Math.round(base * (1 - opts.jitter * random()));
}

/**
 * The next reconnect plan and state. `now` is the current time in ms (only compared with earlier `now`s);
 * `random` returns [0, 1) and is a parameter so tests are deterministic.
 */
export function planReconnect(
  state: BackoffState,
  outcome: ConnectionOutcome,
  now: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): { state: BackoffState; plan: ReconnectPlan } {
  const takeovers = state.takeovers.filter((t) => now - t < KICK_WINDOW_MS);
  if (outcome.kind === 'refused' && !isTransientRefusal(outcome.reasonCode, outcome.version)) {
    const failures = state.failures + 1;
    return { state: { failures, takeovers }, plan: { delayMs: opts.maxDelayMs, reason: 'refused', failures } };
  }
  if (outcome.kind === 'lost') return planAfterLoss(state.failures, takeovers, outcome, now, opts, random);
  const failures = state.failures + 1;
  const delayMs = backoffDelay(failures, opts, random);
  return { state: { failures, takeovers }, plan: { delayMs, reason: 'backoff', failures } };
}

function planAfterLoss(
  previousFailures: number,
  takeovers: number[],
  outcome: { connectedForMs: number; reasonCode?: number },
  now: number,
  opts: BackoffOptions,
  random: () => number,
): { state: BackoffState; plan: ReconnectPlan } {
  const stable = outcome.connectedForMs >= opts.stableAfterMs;
  if (outcome.reasonCode === SESSION_TAKEN_OVER && !stable) takeovers = [...takeovers, now];
  if (takeovers.length >= KICK_LOOP_COUNT) {
    const failures = previousFailures + 1;
    return { state: { failures, takeovers }, plan: { delayMs: opts.maxDelayMs, reason: 'kickLoop', failures } };
  }
  if (outcome.reasonCode !== undefined && outcome.reasonCode >= 0x80 && !TRANSIENT_V5.has(outcome.reasonCode)) {
    // The server ended the connection for a reason retrying at once will not fix (e.g. 0x9D server moved,
    // 0x87 not authorized, 0x82 protocol error): do not hammer it.
    const failures = previousFailures + 1;
    return { state: { failures, takeovers }, plan: { delayMs: opts.maxDelayMs, reason: 'refused', failures } };
  }
  // A connection that dropped quickly counts as a failure, so a connect/drop loop backs off too.
  const failures = stable ? 1 : previousFailures + 1;
  const delayMs = backoffDelay(failures, opts, random);
  return { state: { failures, takeovers }, plan: { delayMs, reason: 'backoff', failures } };
}
