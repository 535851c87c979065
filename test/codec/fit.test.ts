// mqtt-spec: 5.0
// fitToMaximumPacketSize(): what a sender may leave out to respect the receiver's Maximum Packet Size.
import assert from 'node:assert/strict';
import { encodedSize, fitToMaximumPacketSize, type Packet } from '../../src/codec/index';

const diagnostics = { reasonString: 'r'.repeat(50), userProperties: [['k', 'v'.repeat(50)]] as Array<[string, string]> };

const CASES: Array<[string, Packet]> = [
  ['[MQTT-3.2.2-19] [MQTT-3.2.2-20] CONNACK', { type: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { ...diagnostics, serverKeepAlive: 5 } }],
  ['[MQTT-3.4.2-2] [MQTT-3.4.2-3] PUBACK', { type: 'puback', packetId: 1, reasonCode: 0x87, properties: diagnostics }],
  ['[MQTT-3.5.2-2] [MQTT-3.5.2-3] PUBREC', { type: 'pubrec', packetId: 1, reasonCode: 0x87, properties: diagnostics }],
  ['[MQTT-3.6.2-2] [MQTT-3.6.2-3] PUBREL', { type: 'pubrel', packetId: 1, reasonCode: 0x92, properties: diagnostics }],
  ['[MQTT-3.7.2-2] [MQTT-3.7.2-3] PUBCOMP', { type: 'pubcomp', packetId: 1, reasonCode: 0x92, properties: diagnostics }],
  ['[MQTT-3.9.2-1] [MQTT-3.9.2-2] SUBACK', { type: 'suback', packetId: 1, reasonCodes: [0x87], properties: diagnostics }],
  ['[MQTT-3.11.2-1] [MQTT-3.11.2-2] UNSUBACK', { type: 'unsuback', packetId: 1, reasonCodes: [0x11], properties: diagnostics }],
  ['[MQTT-3.14.2-3] [MQTT-3.14.2-4] DISCONNECT', { type: 'disconnect', reasonCode: 0x98, properties: { ...diagnostics, serverReference: 's' } }],
  ['[MQTT-3.15.2-2] [MQTT-3.15.2-3] AUTH', { type: 'auth', reasonCode: 0x18, properties: { ...diagnostics, authenticationMethod: 'm' } }],
];

const props = (p: Packet | undefined): Record<string, unknown> | undefined => (p as { properties?: Record<string, unknown> })?.properties;

describe('codec fitToMaximumPacketSize', () => {
  for (const [title, packet] of CASES) {
    it(`${title}: drops the Reason String first, then the User Properties, nothing else`, () => {
      const full = encodedSize(packet, 5);
      assert.equal(fitToMaximumPacketSize(packet, 5, full), packet, 'fits as it is');

      const noReason = fitToMaximumPacketSize(packet, 5, full - 1);
      assert.ok(noReason && encodedSize(noReason, 5) <= full - 1);
      assert.equal(props(noReason)?.reasonString, undefined);
      assert.deepStrictEqual(props(noReason)?.userProperties, diagnostics.userProperties);

      const neither = fitToMaximumPacketSize(packet, 5, encodedSize(noReason, 5) - 1);
      assert.ok(neither);
      assert.equal(props(neither)?.userProperties, undefined);
      const { reasonString: _r, userProperties: _u, ...rest } = props(packet)!;
      assert.deepStrictEqual({ ...props(neither) }, rest, 'other properties stay');
      assert.equal(fitToMaximumPacketSize(packet, 5, encodedSize(neither, 5) - 1), undefined, 'cannot shrink further');
    });
  }

  it('[MQTT-3.1.2-25] never trims a PUBLISH: too large means undefined', () => {
    const p: Packet = { type: 'publish', topic: 't', payload: Buffer.alloc(10), qos: 0, retain: false, dup: false, properties: { userProperties: [['a', 'b']] } };
    assert.equal(fitToMaximumPacketSize(p, 5, encodedSize(p, 5)), p);
    assert.equal(fitToMaximumPacketSize(p, 5, encodedSize(p, 5) - 1), undefined);
  });
});
