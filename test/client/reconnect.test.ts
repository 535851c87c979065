import assert from 'node:assert/strict';
import {
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF_STATE,
  planReconnect,
  type BackoffState,
  type ConnectionOutcome,
} from '../../src/client/reconnect';

const opts = { initialDelayMs: 1000, maxDelayMs: 30_000, factor: 2, jitter: 0, stableAfterMs: 10_000 };

function run(outcomes: ConnectionOutcome[], random = () => 0): number[] {
  let state: BackoffState = INITIAL_BACKOFF_STATE;
  const delays: number[] = [];
  let now = 0;
  for (const o of outcomes) {
    const r = planReconnect(state, o, now, opts, random);
    state = r.state;
    delays.push(r.plan.delayMs);
    now += r.plan.delayMs + 100;
  }
  return delays;
}

describe('client reconnect policy', () => {
  it('backs off exponentially up to the maximum', () => {
    const fails = Array.from({ length: 8 }, () => ({ kind: 'failed' }) as const);
    assert.deepEqual(run(fails), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('applies jitter below the computed delay', () => {
    const r = planReconnect(INITIAL_BACKOFF_STATE, { kind: 'failed' }, 0, { ...opts, jitter: 0.5 }, () => 0.99);
    assert.equal(r.plan.delayMs, Math.round(1000 * (1 - 0.5 * 0.99)));
    assert.ok(DEFAULT_BACKOFF.jitter > 0, 'jitter is on by default');
  });

  it('resets after a stable connection but not after a quick drop', () => {
    const fail = { kind: 'failed' } as const;
    assert.deepEqual(run([fail, fail, fail, { kind: 'lost', connectedForMs: 60_000 }]), [1000, 2000, 4000, 1000]);
    assert.deepEqual(run([fail, fail, fail, { kind: 'lost', connectedForMs: 500 }]), [1000, 2000, 4000, 8000]);
  });

  for (const [name, reasonCode, version] of [
    ['bad credentials (3.1.1 code 4)', 4, 4],
    ['not authorized (3.1.1 code 5)', 5, 4],
    ['bad protocol version (3.1.1 code 1)', 1, 4],
    ['client id rejected (3.1.1 code 2)', 2, 4],
    ['bad user name or password (0x86)', 0x86, 5],
    ['not authorized (0x87)', 0x87, 5],
    ['banned (0x8A)', 0x8a, 5],
    ['unsupported protocol version (0x84)', 0x84, 5],
    ['client identifier not valid (0x85)', 0x85, 5],
    ['use another server (0x9C)', 0x9c, 5],
    ['server moved (0x9D)', 0x9d, 5],
  ] as const) {
    it(`waits the maximum after a refusal for ${name}`, () => {
      const r = planReconnect(INITIAL_BACKOFF_STATE, { kind: 'refused', reasonCode, version }, 0, opts);
      assert.deepEqual(r.plan, { delayMs: 30_000, reason: 'refused', failures: 1 });
    });
  }

  it('retries a busy or unavailable server on the ordinary schedule', () => {
    for (const [reasonCode, version] of [[3, 4], [0x88, 5], [0x89, 5]] as const) {
      const r = planReconnect(INITIAL_BACKOFF_STATE, { kind: 'refused', reasonCode, version }, 0, opts, () => 0);
      assert.deepEqual(r.plan, { delayMs: 1000, reason: 'backoff', failures: 1 });
    }
  });

  it('does not hammer a server that disconnected us with "server moved" (0x9D)', () => {
    const r = planReconnect(INITIAL_BACKOFF_STATE, { kind: 'lost', connectedForMs: 60_000, reasonCode: 0x9d }, 0, opts);
    assert.equal(r.plan.reason, 'refused');
    assert.equal(r.plan.delayMs, 30_000);
  });

  it('detects a duplicate-client-id kick loop from repeated quick "session taken over" (0x8E)', () => {
    const kicked = { kind: 'lost', connectedForMs: 200, reasonCode: 0x8e } as const;
    let state: BackoffState = INITIAL_BACKOFF_STATE;
    const reasons: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = planReconnect(state, kicked, i * 2000, opts, () => 0);
      state = r.state;
      reasons.push(r.plan.reason);
    }
    assert.deepEqual(reasons, ['backoff', 'backoff', 'kickLoop']);
    // Takeovers spread over more than the window do not make a loop.
    let spread: BackoffState = INITIAL_BACKOFF_STATE;
    for (let i = 0; i < 3; i++) spread = planReconnect(spread, kicked, i * 61_000, opts).state;
    assert.equal(planReconnect(spread, { kind: 'failed' }, 3 * 61_000, opts).plan.reason, 'backoff');
  });
});
