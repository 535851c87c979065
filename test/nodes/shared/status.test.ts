import assert from 'node:assert/strict';
import { reasonForCode, reasonOf, toKitError } from '../../../src/nodes/shared/reasons';
import { hasCountdown, renderStatus, STATUS } from '../../../src/nodes/shared/status';
import { MqttKitError } from '../../../src/nodes/shared/errors';
import { expandEnv } from '../../../src/nodes/shared/env';
import catalog from '../../../src/nodes/shared/messages.en-US.json';
import { t } from './helpers';
import { linkView } from '../../../src/nodes/shared/status-binding';
import type { ConnectionStatus } from '../../../src/client/types';
import { StoreWriteError } from '../../../src/session';

/** Resolves keys against the real shared catalog with Node-RED's __name__ interpolation. */
function english(key: string, subs: Record<string, unknown> = {}): string {
  const [ns, ...path] = key.split('.');
  assert.equal(ns, 'mqtt-kit', key);
  let node: unknown = catalog;
  for (const p of path) node = (node as Record<string, unknown>)[p];
  assert.equal(typeof node, 'string', `catalog has no ${key}`);
  return (node as string).replace(/__(\w+)__/g, (_, n: string) => String(subs[n]));
}

describe('nodes/shared/status: one table for every node', () => {
  it('maps each phase to colour and shape', () => {
    assert.deepEqual(renderStatus({ phase: 'connected' }, 0, english), { fill: 'green', shape: 'dot', text: 'connected' });
    assert.deepEqual(renderStatus({ phase: 'connecting' }, 0, english), { fill: 'yellow', shape: 'ring', text: 'connecting' });
    assert.deepEqual(renderStatus({ phase: 'idle' }, 0, english), { fill: 'grey', shape: 'ring', text: 'not connected' });
    assert.deepEqual(renderStatus({ phase: 'closed' }, 0, english), {});
  });
  it('every table entry has catalog text', () => {
    for (const style of Object.values(STATUS)) assert.ok(english(style.key));
  });
  it('says why, when the next attempt is and how many messages wait', () => {
    const s = renderStatus({ phase: 'reconnecting', reason: reasonForCode(0x87), retryAt: 10_400, queued: 3 }, 6_000, english);
    assert.deepEqual(s, { fill: 'red', shape: 'ring', text: 'disconnected: not authorised · retry in 5 s · 3 queued' });
  });
  it('shows the queue depth while connected', () => {
    assert.equal(renderStatus({ phase: 'connected', queued: 12 }, 0, english).text, 'connected · 12 queued');
  });
  it('shows a failing session store in any phase, yellow while connected, without saying it twice', () => {
    const store = reasonOf(new StoreWriteError(new Error('ENOSPC: no space left on device')));
    assert.deepEqual(renderStatus({ phase: 'connected', store, queued: 2 }, 0, english), {
      fill: 'yellow', shape: 'dot', text: 'connected · could not store messages: ENOSPC: no space left on device · 2 queued',
    });
    assert.equal(
      renderStatus({ phase: 'reconnecting', reason: store, store, retryAt: 1_000 }, 0, english).text,
      'disconnected: could not store messages: ENOSPC: no space left on device · retry in 1 s',
    );
    const status: ConnectionStatus = { phase: 'connected', queued: 0, storeError: new StoreWriteError(new Error('EIO')) };
    assert.equal(renderStatus(linkView(status), 0, english).text, 'connected · could not store messages: EIO');
    assert.equal(renderStatus(linkView({ phase: 'connected', queued: 0 }), 0, english).fill, 'green');
  });
  it('counts down only while reconnecting', () => {
    assert.equal(hasCountdown({ phase: 'reconnecting', retryAt: 5 }), true);
    assert.equal(hasCountdown({ phase: 'disconnected' }), false);
  });
});

describe('nodes/shared/reasons: failures in words', () => {
  const text = (err: unknown) => english(reasonOf(err).key, reasonOf(err).subs);
  it('names 3.1.1 CONNACK return codes and v5 CONNACK reason codes', () => {
    assert.equal(text({ name: 'ConnectionRefusedError', reasonCode: 5 }), 'not authorised');
    assert.equal(text({ name: 'ConnectionRefusedError', reasonCode: 4 }), 'bad user name or password');
    assert.equal(text({ name: 'ConnectionRefusedError', reasonCode: 0x86 }), 'bad user name or password');
    assert.equal(text({ name: 'ConnectionRefusedError', reasonCode: 0x8a }), 'banned');
  });
  it('names TLS certificate problems', () => {
    assert.equal(text({ name: 'TransportError', kind: 'tls', code: 'CERT_HAS_EXPIRED' }), 'TLS: certificate expired');
    assert.equal(text({ name: 'TransportError', kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'TLS: self-signed certificate (add its CA in the TLS configuration)');
    assert.equal(text({ name: 'TransportError', kind: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TLS: certificate does not match the host name');
    assert.equal(text({ name: 'TransportError', kind: 'tls', code: 'SOMETHING_ELSE' }), 'TLS: SOMETHING_ELSE');
  });
  it('names transport failures, also from plain Node.js errors', () => {
    assert.equal(text({ name: 'TransportError', kind: 'refused' }), 'connection refused (is the broker running?)');
    assert.equal(text(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), 'host name not found');
  });
  it('names a server DISCONNECT and falls back to the code or message', () => {
    assert.equal(text({ name: 'ServerDisconnectError', reasonCode: 0x8e }), 'session taken over (another client uses this client id)');
    assert.equal(english(reasonForCode(0xfe).key, reasonForCode(0xfe).subs), 'reason code 0xfe');
    assert.equal(text(new Error('boom')), 'boom');
  });
  it('turns client errors into MqttKitErrors with stable codes', () => {
    assert.equal(toKitError({ name: 'QueueFullError', message: 'offline queue full (1000 messages)' }, t).code, 'QUEUE_FULL');
    assert.equal(toKitError({ name: 'PacketTooLargeError', message: 'x' }, t).code, 'PACKET_TOO_LARGE');
    const refused = toKitError({ name: 'PublishError', reasonCode: 0x87, message: 'no' }, english);
    assert.equal(refused.code, 'PUBLISH_REFUSED');
    assert.equal(refused.reasonCode, 0x87);
    assert.equal(refused.message, 'the broker refused the message: not authorised (0x87)');
    assert.equal(toKitError({ reasonCode: 0x8f }, english, 'SUBSCRIBE_REFUSED').code, 'SUBSCRIBE_REFUSED');
    const same = new MqttKitError('CLOSED', 'c');
    assert.equal(toKitError(same, t), same);
    assert.equal(toKitError(new Error('odd'), t).code, 'FAILED');
    const stored = toKitError(new StoreWriteError(new Error('ENOSPC: no space left on device')), english);
    assert.equal(stored.code, 'STORE_FAILED');
    assert.equal(stored.message, 'not sent: could not store message: ENOSPC: no space left on device (the session store could not keep it; check its disk)');
  });
});

describe('nodes/shared/env: ${NAME} references', () => {
  const env: Record<string, string> = { HOST: 'plant7', PASS: 's3cret' };
  const lookup = (n: string) => env[n];
  it('replaces whole and embedded references', () => {
    assert.deepEqual(expandEnv('${PASS}', lookup), { value: 's3cret', missing: [] });
    assert.deepEqual(expandEnv('nr-${HOST}-1', lookup), { value: 'nr-plant7-1', missing: [] });
  });
  it('reports unset names instead of hiding them', () => {
    assert.deepEqual(expandEnv('${NOPE}x${HOST}', lookup), { value: '${NOPE}xplant7', missing: ['NOPE'] });
  });
  it('leaves text without references alone', () => {
    assert.deepEqual(expandEnv('$HOST {x}', lookup), { value: '$HOST {x}', missing: [] });
  });
});
