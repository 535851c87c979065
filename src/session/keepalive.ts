// Keep Alive timing for one connection, for either side. Pure: the caller passes the time and asks.
//
// Client role: send PINGREQ when nothing was sent for the keepalive period [MQTT-3.1.2-23]
// [v5 MQTT-3.1.2-20], and also when nothing was received for that long (a client that only publishes
// QoS 0 hears nothing back, and must still learn whether the link is alive). The link is declared dead
// when nothing at all arrived for 1.5x the period: since a ping goes out at the latest one period after
// the last packet received, the server has at least half a period to answer, and a dead link is
// detected within 1.5x keepalive.
// Server role: never pings; a client silent for 1.5x its keepalive is disconnected [MQTT-3.1.2-24]
// [v5 MQTT-3.1.2-22].
// A keepalive of 0 turns the mechanism off. The period in force is the CONNECT value, or the CONNACK
// Server Keep Alive when the server sent one [v5 MQTT-3.1.2-21] [v5 MQTT-3.2.2-21].

export type KeepaliveRole = 'client' | 'server';

export type KeepaliveVerdict = 'idle' | 'ping' | 'timeout';

export class Keepalive {
  private periodMs = 0;
  private lastSent = 0;
  private lastReceived = 0;
  private pingOutstanding = false;

  constructor(readonly role: KeepaliveRole) {}

  get keepaliveMs(): number {
    return this.periodMs;
  }

  /** Starts (or restarts) timing for a connection; `seconds` 0 disables it. */
  start(seconds: number, now: number): void {
    this.periodMs = seconds * 1000;
    this.lastSent = now;
    this.lastReceived = now;
    this.pingOutstanding = false;
  }

  stop(): void {
    this.periodMs = 0;
    this.pingOutstanding = false;
  }

  packetSent(now: number): void {
    this.lastSent = now;
  }

  packetReceived(now: number): void {
    this.lastReceived = now;
    this.pingOutstanding = false;
  }

  /** Records that a PINGREQ went out. */
  pingSent(now: number): void {
    this.lastSent = now;
    this.pingOutstanding = true;
  }

  /** What is due at `now`: nothing, a PINGREQ (client role), or the end of the connection. */
  check(now: number): KeepaliveVerdict {
    if (this.periodMs === 0) return 'idle';
    if (now >= this.deadAt()) return 'timeout';
    if (this.role === 'client' && !this.pingOutstanding && now >= this.pingAt()) return 'ping';
    return 'idle';
  }

  /** The next time check() may answer something other than 'idle'; undefined when disabled. */
  nextDeadline(): number | undefined {
    if (this.periodMs === 0) return undefined;
    if (this.role === 'server' || this.pingOutstanding) return this.deadAt();
    return Math.min(this.pingAt(), this.deadAt());
  }

  /** Milliseconds since the last packet arrived. */
  silentFor(now: number): number {
    return now - this.lastReceived;
  }

  private deadAt(): number {
    return this.lastReceived + this.periodMs * 1.5;
  }

  private pingAt(): number {
    return Math.min(this.lastSent, this.lastReceived) + this.periodMs;
  }
}
