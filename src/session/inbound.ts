// The QoS 2 receiver, shared by the client and the broker. We use the spec's "method B" (MQTT 3.1.1
// Figure 4.3 / MQTT 5 Figure 4.3): on the first PUBLISH the packet id is stored and the message is
// delivered onward at once, then PUBREC is sent; the id is kept until PUBREL, and every PUBLISH with that
// id meanwhile is answered with PUBREC again but not delivered [MQTT-4.3.3-2] [v5 MQTT-4.3.3-10]. PUBREL
// frees the id and is answered with PUBCOMP [v5 MQTT-4.3.3-11]; after that the id means a new message
// [v5 MQTT-4.3.3-12].
//
// Receive Maximum: the ids held here are the QoS 2 messages not yet completed by PUBCOMP. A new one
// beyond our advertised Receive Maximum is a protocol violation (0x93). QoS 1 messages are acknowledged in
// the same step they are delivered in, so they never add to the count.

export type Qos2Arrival = 'new' | 'duplicate' | 'overLimit';

export class InboundQos2 {
  private readonly pending = new Set<number>();

  /** `receiveMaximum`: the value we advertised (65535 when none was sent). */
  constructor(private receiveMaximum = 65535) {}

  get size(): number {
    return this.pending.size;
  }

  has(packetId: number): boolean {
    return this.pending.has(packetId);
  }

  ids(): number[] {
    return [...this.pending];
  }

  setReceiveMaximum(value: number): void {
    this.receiveMaximum = value;
  }

  /** A QoS 2 PUBLISH arrived: 'new' (now held: deliver it), 'duplicate' (PUBREC only), or 'overLimit'. */
  onPublish(packetId: number): Qos2Arrival {
    if (this.pending.has(packetId)) return 'duplicate';
    if (this.pending.size >= this.receiveMaximum) return 'overLimit';
    this.pending.add(packetId);
    return 'new';
  }

  /** PUBREL arrived: 'released' if we held the id, 'unknown' otherwise (answer PUBCOMP either way). */
  onPubrel(packetId: number): 'released' | 'unknown' {
    return this.pending.delete(packetId) ? 'released' : 'unknown';
  }

  /** Lets go of an id without a PUBREL (its store write failed): the next PUBLISH with it is new. */
  forget(packetId: number): boolean {
    return this.pending.delete(packetId);
  }

  /** Ids persisted by an earlier run of this session. */
  restore(ids: Iterable<number>): void {
    for (const id of ids) this.pending.add(id);
  }

  /** Forgets every held id (the session ended); returns them so the caller can unpersist them. */
  clear(): number[] {
    const ids = [...this.pending];
    this.pending.clear();
    return ids;
  }
}
