// Packet identifier allocation shared by the client and the broker. An identifier in use (a QoS 1/2
// PUBLISH, SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement) is never handed out again
// [MQTT-2.3.1-2] [v5 MQTT-2.2.1-3] [v5 MQTT-2.2.1-4]; ids are non-zero 16-bit values [MQTT-2.3.1-1] and
// allocation continues after the last id handed out, wrapping from 65535 to 1, so a just-freed id is
// not reused at once (a late duplicate ack for it is then recognisably stale).
// Exhaustion is not an error: allocate() returns undefined and the caller keeps the message queued.

export const MAX_PACKET_ID = 0xffff;

export class PacketIdAllocator {
  private readonly used = new Uint8Array(MAX_PACKET_ID + 1);
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
    let id = this.next;
    while (this.used[id] === 1) id = id === MAX_PACKET_ID ? 1 : id + 1;
    this.used[id] = 1;
    this.count++;
    this.next = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }

  /** Marks a known identifier in use (restoring in-flight state); false if it already was. */
  reserve(id: number): boolean {
    if (!Number.isInteger(id) || id < 1 || id > MAX_PACKET_ID) throw new RangeError(`invalid packet identifier ${id}`);
    if (this.used[id] === 1) return false;
    this.used[id] = 1;
    this.count++;
    return true;
  }

  /** Frees an identifier once its exchange has completed [MQTT-2.3.1-3]. Freeing a free id is a no-op. */
  release(id: number): void {
    if (id < 1 || id > MAX_PACKET_ID || this.used[id] !== 1) return;
    this.used[id] = 0;
    this.count--;
  }

  isInUse(id: number): boolean {
    return this.used[id] === 1;
  }

  /** Frees every identifier (a session that ended). */
  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }
}
