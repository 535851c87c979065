// mqtt-spec: 5.0
import assert from 'node:assert/strict';
import type { AuthStepVerdict } from '../../src/broker';
import { TestClient, closeBrokers, connected, makeBroker } from './helpers';

/** A toy challenge-response method: the broker asks for "proof", the client must answer "ok". */
function challenge(): (client: unknown, step: { data: Buffer | undefined }) => AuthStepVerdict {
  return (_client, step) => {
    const data = step.data?.toString();
    if (data === 'hello') return { status: 'continue', data: Buffer.from('proof?') };
    if (data === 'ok') return { status: 'success', data: Buffer.from('welcome') };
    return { status: 'fail', reasonCode: 0x87, reasonString: 'wrong answer' };
  };
}

function connectWith(client: TestClient, method: string | undefined, data?: string): void {
  client.send({
    type: 'connect', protocolVersion: 5, clientId: 'e', clean: true, keepalive: 0,
    ...(method ? { properties: { authenticationMethod: method, ...(data ? { authenticationData: Buffer.from(data) } : {}) } } : {}),
  });
}

describe('broker: enhanced authentication (v5)', () => {
  afterEach(closeBrokers);

  it('[MQTT-4.12.0-1] refuses an unsupported Authentication Method with CONNACK 0x8C and closes', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = TestClient.inMemory(broker);
    connectWith(c, 'SCRAM-SHA-1');
    const [connack] = await c.expectClose({ allow: ['connack'] });
    assert.equal((connack as { reasonCode: number }).reasonCode, 0x8c);
  });

  it('[MQTT-4.12.0-1] without any enhanced auth hook every method is refused with 0x8C', async () => {
    const broker = makeBroker();
    const c = TestClient.inMemory(broker);
    connectWith(c, 'anything');
    const [connack] = await c.expectClose({ allow: ['connack'] });
    assert.equal((connack as { reasonCode: number }).reasonCode, 0x8c);
  });

  it('[MQTT-4.12.0-2] [MQTT-4.12.0-5] continues with AUTH 0x18 and succeeds with CONNACK repeating the method', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = TestClient.inMemory(broker);
    connectWith(c, 'CHALLENGE', 'hello');
    const auth = await c.next('auth');
    assert.equal(auth.reasonCode, 0x18);
    assert.equal(auth.properties?.authenticationMethod, 'CHALLENGE');
    assert.equal(auth.properties?.authenticationData?.toString(), 'proof?');
    c.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('ok') } });
    const connack = await c.next('connack');
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, 'CHALLENGE');
    assert.equal(connack.properties?.authenticationData?.toString(), 'welcome');
  });

  it('[MQTT-4.12.0-4] a failed exchange ends with CONNACK >= 0x80 and a closed connection', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = TestClient.inMemory(broker);
    connectWith(c, 'CHALLENGE', 'hello');
    await c.next('auth');
    c.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('nope') } });
    const [connack] = await c.expectClose({ allow: ['connack'] });
    assert.equal((connack as { reasonCode: number }).reasonCode, 0x87);
    assert.equal((connack as { properties?: { reasonString?: string } }).properties?.reasonString, 'wrong answer');
  });

  it('[MQTT-4.12.0-5] an AUTH with a different method is a Protocol Error', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = TestClient.inMemory(broker);
    connectWith(c, 'CHALLENGE', 'hello');
    await c.next('auth');
    c.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'OTHER', authenticationData: Buffer.from('ok') } });
    await c.expectClose({ allow: ['disconnect', 'connack'] });
  });

  it('[MQTT-4.12.0-6] a client without a method gets no AUTH and no method in CONNACK', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = TestClient.inMemory(broker);
    connectWith(c, undefined);
    const connack = await c.next('connack');
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, undefined);
    c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'CHALLENGE' } });
    await c.expectClose({ allow: ['disconnect'] });
  });

  it('runs the authenticate hook after a successful exchange', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge(), authenticate: () => false });
    const c = TestClient.inMemory(broker);
    connectWith(c, 'CHALLENGE', 'ok');
    const [connack] = await c.expectClose({ allow: ['connack'] });
    assert.equal((connack as { reasonCode: number }).reasonCode, 0x87);
  });

  it('[MQTT-4.12.1-2] re-authentication: success answers AUTH 0x00, failure closes with DISCONNECT', async () => {
    const broker = makeBroker({ authMethods: ['CHALLENGE'] }, { authenticateEnhanced: challenge() });
    const c = await connected(broker, { clientId: 'r', properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('ok') } });
    c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('hello') } });
    assert.equal((await c.next('auth')).reasonCode, 0x18);
    c.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('ok') } });
    assert.equal((await c.next('auth')).reasonCode, 0x00);
    c.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'CHALLENGE', authenticationData: Buffer.from('bad') } });
    const [d] = await c.expectClose({ allow: ['disconnect'] });
    assert.equal((d as { reasonCode: number }).reasonCode, 0x87);
  });
});
