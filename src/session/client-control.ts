// SUBSCRIBE and UNSUBSCRIBE commands: each takes a packet id from the shared allocator, waits for its
// SUBACK/UNSUBACK and completes with the per-filter reason codes. Requests made while offline wait and go
// out after CONNACK; one in flight when the connection drops is sent again on the next connection (a
// repeated SUBSCRIBE replaces the subscription, so this is safe [MQTT-3.8.4-3]).
import { PacketTooLargeError } from '../codec/errors';
import type {
  SubackPacket, SubscribePacket, SubscribeProperties, Subscription, UnsubackPacket, UnsubscribePacket,
  UnsubscribeProperties,
} from '../codec/types';
import type { Effect } from './effects';
import { CommandRefusedError, InvalidCommandError, SessionClosedError } from './errors';
import { Fifo } from './fifo';
import type { Link, Wire } from './link';
import type { PacketIdAllocator } from './packet-ids';
import { CONTROL_ACK_ECHOES_ID, violation } from './violations';

export interface SubscribeRequest {
  subscriptions: Subscription[];
  properties?: SubscribeProperties;
}

export interface UnsubscribeRequest {
  topicFilters: string[];
  properties?: UnsubscribeProperties;
}

type ControlCommand<H> =
  | { kind: 'subscribe'; handle: H | undefined; packetId: number; request: SubscribeRequest }
  | { kind: 'unsubscribe'; handle: H | undefined; packetId: number; request: UnsubscribeRequest };

export class ControlRequests<H> {
  private readonly waiting = new Fifo<ControlCommand<H>>();
  /** In flight, by packet id, in send order. */
  private readonly inflight = new Map<number, ControlCommand<H>>();

  constructor(private readonly wire: Wire<H>, private readonly ids: PacketIdAllocator) {}

  get pending(): number {
    return this.waiting.length + this.inflight.size;
  }

  subscribe(fx: Effect<H>[], handle: H | undefined, request: SubscribeRequest, now: number): void {
    if (request.subscriptions.length === 0) {
      const statement = this.wire.version === 5 ? 'MQTT-3.8.3-2' : 'MQTT-3.8.3-3';
      fx.push({ kind: 'fail', handle, error: new InvalidCommandError('SUBSCRIBE needs at least one topic filter', statement) });
      return;
    }
    this.submit(fx, { kind: 'subscribe', handle, packetId: 0, request }, now);
  }

  unsubscribe(fx: Effect<H>[], handle: H | undefined, request: UnsubscribeRequest, now: number): void {
    if (request.topicFilters.length === 0) {
      fx.push({ kind: 'fail', handle, error: new InvalidCommandError('UNSUBSCRIBE needs at least one topic filter', 'MQTT-3.10.3-2') });
      return;
    }
    this.submit(fx, { kind: 'unsubscribe', handle, packetId: 0, request }, now);
  }

  /** Sends waiting requests, oldest first, while packet ids are free. */
  pump(fx: Effect<H>[], now: number): void {
    const link = this.wire.link;
    if (link?.phase !== 'online') return;
    for (let cmd = this.waiting.peek(); cmd !== undefined; cmd = this.waiting.peek()) {
      const id = this.ids.allocate();
      if (id === undefined) return;
      this.waiting.shift();
      this.send(fx, link, cmd, id, now);
    }
  }

  onSuback(fx: Effect<H>[], p: SubackPacket): void {
    const cmd = this.take(fx, p.packetId, 'subscribe');
    if (cmd?.kind !== 'subscribe') return;
    const expected = cmd.request.subscriptions.length;
    if (p.reasonCodes.length !== expected) {
      fx.push(violation(this.wire.link, 0x82, { v5: 'MQTT-3.8.4-6', v311: 'MQTT-3.8.4-5' }, `SUBACK has ${p.reasonCodes.length} reason codes for ${expected} filters`));
      return;
    }
    const result = { kind: 'subscribed' as const, reasonCodes: p.reasonCodes, ...(p.properties ? { properties: p.properties } : {}) };
    fx.push({ kind: 'complete', handle: cmd.handle, result });
  }

  onUnsuback(fx: Effect<H>[], p: UnsubackPacket): void {
    const cmd = this.take(fx, p.packetId, 'unsubscribe');
    if (cmd?.kind !== 'unsubscribe') return;
    const expected = cmd.request.topicFilters.length;
    if (p.reasonCodes !== undefined && p.reasonCodes.length !== expected) {
      fx.push(violation(this.wire.link, 0x82, { v5: 'MQTT-3.11.3-1' }, `UNSUBACK has ${p.reasonCodes.length} reason codes for ${expected} filters`));
      return;
    }
    const result = {
      kind: 'unsubscribed' as const, ...(p.reasonCodes ? { reasonCodes: p.reasonCodes } : {}), ...(p.properties ? { properties: p.properties } : {}),
    };
    fx.push({ kind: 'complete', handle: cmd.handle, result });
  }

  /** Requests in flight go back to the front of the queue, in order, to be sent on the next connection. */
  connectionLost(): void {
    const back = [...this.inflight.values()];
    for (const cmd of back) this.ids.release(cmd.packetId);
    this.inflight.clear();
    this.waiting.unshiftAll(back);
  }

  shutdown(fx: Effect<H>[]): void {
    for (const cmd of [...this.inflight.values(), ...this.waiting.drain()]) {
      if (cmd.handle !== undefined) fx.push({ kind: 'fail', handle: cmd.handle, error: new SessionClosedError(cmd.kind) });
    }
    for (const id of this.inflight.keys()) this.ids.release(id);
    this.inflight.clear();
  }

  private submit(fx: Effect<H>[], cmd: ControlCommand<H>, now: number): void {
    this.waiting.push(cmd);
    this.pump(fx, now);
  }

  private take(fx: Effect<H>[], packetId: number, kind: ControlCommand<H>['kind']): ControlCommand<H> | undefined {
    const cmd = this.inflight.get(packetId);
    if (cmd?.kind !== kind) {
      fx.push(violation(this.wire.link, 0x82, CONTROL_ACK_ECHOES_ID, `${kind === 'subscribe' ? 'SUBACK' : 'UNSUBACK'} for packet id ${packetId}, which has no ${kind.toUpperCase()} in flight`));
      return undefined;
    }
    this.inflight.delete(packetId);
    this.ids.release(packetId);
    return cmd;
  }

  private send(fx: Effect<H>[], link: Link, cmd: ControlCommand<H>, packetId: number, now: number): void {
    const packet = buildPacket(link, cmd, packetId);
    const max = link.peerMaxPacketSize;
    if (max !== undefined && this.wire.sizeOf(packet) > max) {
      this.ids.release(packetId);
      const error = new PacketTooLargeError(`${cmd.kind.toUpperCase()} exceeds the server's Maximum Packet Size of ${max}`, 'MQTT-3.2.2-15');
      fx.push({ kind: 'fail', handle: cmd.handle, error });
      return;
    }
    cmd.packetId = packetId;
    this.inflight.set(packetId, cmd);
    this.wire.send(fx, packet, now);
  }
}

function buildPacket<H>(link: Link, cmd: ControlCommand<H>, packetId: number): SubscribePacket | UnsubscribePacket {
  const v5 = link.version === 5;
  if (cmd.kind === 'unsubscribe') {
    const p: UnsubscribePacket = { type: 'unsubscribe', packetId, topicFilters: cmd.request.topicFilters };
    if (v5 && cmd.request.properties) p.properties = cmd.request.properties;
    return p;
  }
  // 3.1/3.1.1 have no subscription options: send only filter and QoS there.
  const subscriptions = v5 ? cmd.request.subscriptions : cmd.request.subscriptions.map((s) => ({ topicFilter: s.topicFilter, qos: s.qos }));
  const p: SubscribePacket = { type: 'subscribe', packetId, subscriptions };
  if (v5 && cmd.request.properties) p.properties = cmd.request.properties;
  return p;
}

/** Turns a SUBACK failure into an error for callers that want one per filter. */
export function subscribeFailure(reasonCode: number): CommandRefusedError | undefined {
  return reasonCode >= 0x80 ? new CommandRefusedError('subscribe', reasonCode, 'suback', undefined) : undefined;
}
