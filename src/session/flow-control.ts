// MQTT 5 send quota (Receive Maximum, section 4.9), for the client and the broker. The quota starts at the
// peer's Receive Maximum [v5 MQTT-4.9.0-1]; each QoS 1/2 PUBLISH sent takes one, and PUBACK, PUBCOMP or a
// PUBREC >= 0x80 gives it back. At zero no further QoS 1/2 PUBLISH goes out [v5 MQTT-4.9.0-2]
// [v5 MQTT-3.3.4-7] [v5 MQTT-3.3.4-9]; every other packet still does [v5 MQTT-4.9.0-3] [v5 MQTT-3.3.4-8].
// With MQTT 3.1.1 there is no Receive Maximum; the same quota caps our own in-flight window.

export const DEFAULT_RECEIVE_MAXIMUM = 65535;

export class SendQuota {
  private max: number;
  private used = 0;

  constructor(maximum = DEFAULT_RECEIVE_MAXIMUM) {
    this.max = maximum;
  }

  get maximum(): number {
    return this.max;
  }

  /** QoS 1/2 PUBLISH packets sent and not yet acknowledged on this connection. */
  get inUse(): number {
    return this.used;
  }

  get available(): number {
    return Math.max(0, this.max - this.used);
  }

  /** New connection: a fresh quota of `maximum` with `inUse` already taken (e.g. PUBRELs re-sent). */
  reset(maximum: number, inUse = 0): void {
    this.max = maximum;
    this.used = inUse;
  }

  /** Takes one unit if available; false means the PUBLISH must wait. */
  tryTake(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  /** Counts a PUBLISH that is already unacknowledged on the wire, even past the maximum. */
  forceTake(): void {
    this.used++;
  }

  /** Returns one unit (PUBACK, PUBCOMP, PUBREC >= 0x80). */
  give(): void {
    if (this.used > 0) this.used--;
  }
}
