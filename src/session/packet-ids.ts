// Packet identifier allocation shared by the client and the broker. An identifier in use (a QoS 1/2
// PUBLISH, SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement) is never handed out again
// [MQTT-2.3.1-2] [v5 MQTT-2.2.1-3] [v5 MQTT-2.2.1-4]; ids are non-zero 16-bit values [MQTT-2.3.1-1] and
// allocation continues after the last id handed out, wrapping from 65535 to 1, so a just-freed id is
// not reused at once (a late duplicate ack for it is then recognisably stale).
// Exhaustion is not an error: allocate() returns undefined and the caller keeps the message queued.

export const MAX_PACKET_ID = 0xffff;

export class PacketIdAllocator {
  /**
   * One bit per id, created on first use: 8 KiB for a session that sends QoS 1/2, nothing for one that
   * does not (the broker keeps one allocator per client session).
   */
  private bits: Uint32Array | undefined;
  private next = 1;
  private count = 0;

  /** Number of identifiers currently in use. */
  get inUse(): number {
    return this.count;
  }

  /** True when every identifier 1..65535 is in use. */
  get exhausted(): boolean {
    return this.count === MAX_PACKET_ID;
  }

  /** A free identifier, now marked in use; undefined when all 65535 are in use. */
  allocate(): number | undefined {
    if (this.count === MAX_PACKET_ID) return undefined;
    const bits = (this.bits ??= new Uint32Array((MAX_PACKET_ID + 1) >>> 5));
    let id = this.next;
    while ((bits[id >>> 5]! & (1 << (id & 31))) !== 0) id = id === MAX_PACKET_ID ? 1 : id + 1;
    bits[id >>> 5]! |= 1 << (id & 31);
    this.count++;
    this.next = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }

  /** Marks a known identifier in use (restoring in-flight state); false if it already was. */
  reserve(id: number): boolean {
    if (!Number.isInteger(id) || id < 1 || id > MAX_PACKET_ID) throw new RangeError(`invalid packet identifier ${id}`);
    if (this.isInUse(id)) return false;
    const bits = (this.bits ??= new Uint32Array((MAX_PACKET_ID + 1) >>> 5));
    bits[id >>> 5]! |= 1 << (id & 31);
    this.count++;
    return true;
  }

  /** Frees an identifier once its exchange has completed [MQTT-2.3.1-3]. Freeing a free id is a no-op. */
  release(id: number): void {
    if (id < 1 || id > MAX_PACKET_ID || !this.isInUse(id)) return;
    this.bits![id >>> 5]! &= ~(1 << (id & 31));
    this.count--;
  }

  isInUse(id: number): boolean {
    return this.bits !== undefined && (this.bits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Frees every identifier (a session that ended). */
  clear(): void {
    this.bits?.fill(0);
    this.count = 0;
  }
}
