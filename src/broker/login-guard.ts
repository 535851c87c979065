// Slows down password guessing per remote address without affecting anyone else. After a few failed
// logins from an address, each further CONNECT from it waits before its credentials are even checked
// (doubling per failure, capped); after many, the address is banned for a while and refused at once
// (v5 0x8A Banned). Only that connection's CONNECT waits: the broker keeps serving everyone else.
// A successful login clears the address; records are forgotten after a quiet period and their number is
// bounded, so a flood of addresses cannot grow memory without limit.

export interface LoginGuardOptions {
  /** Failures allowed before delays start. Default 3. */
  freeAttempts?: number;
  /** First delay; doubles with each further failure. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest delay. Default 5000 ms (keep it below the broker's CONNECT timeout). */
  maxDelayMs?: number;
  /** Failures that ban the address. Default 20; 0 never bans. */
  banAfter?: number;
  /** Length of a ban. Default 10 minutes. */
  banMs?: number;
  /** An address without failures for this long is forgotten. Default 15 minutes. */
  forgetAfterMs?: number;
  /** Most addresses remembered (oldest dropped first). Default 10 000. */
  maxAddresses?: number;
}

export type LoginCheck =
  | { kind: 'ok' }
  | { kind: 'delay'; ms: number }
  | { kind: 'banned'; untilMs: number };

interface Record {
  failures: number;
  lastFailure: number;
  bannedUntil: number;
}

/** The host part of "host:port" (IPv4, IPv6 or a name); other strings unchanged. */
export function hostOf(remoteAddress: string): string {
  const m = /^(.*):\d+$/.exec(remoteAddress);
  return m ? m[1]! : remoteAddress;
}

export class LoginGuard {
  private readonly options: Required<LoginGuardOptions>;
  private readonly records = new Map<string, Record>();

  constructor(options: LoginGuardOptions = {}) {
    this.options = {
      freeAttempts: options.freeAttempts ?? 3, baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 5000, banAfter: options.banAfter ?? 20, banMs: options.banMs ?? 10 * 60_000,
      forgetAfterMs: options.forgetAfterMs ?? 15 * 60_000, maxAddresses: options.maxAddresses ?? 10_000,
    };
  }

  /** What to do with a new login attempt from `address` (a host, see hostOf). */
  check(address: string, now: number): LoginCheck {
    const r = this.current(address, now);
    if (!r) return { kind: 'ok' };
    if (r.bannedUntil > now) return { kind: 'banned', untilMs: r.bannedUntil };
    const o = this.options;
    const over = r.failures - o.freeAttempts;
    if (over < 0) return { kind: 'ok' };
    return { kind: 'delay', ms: Math.min(o.baseDelayMs * 2 ** Math.min(over, 30), o.maxDelayMs) };
  }

  /** Records a failed login; returns the failure count and whether the address is now banned. */
  failure(address: string, now: number): { failures: number; bannedUntil: number | undefined } {
    let r = this.current(address, now);
    if (!r) {
      r = { failures: 0, lastFailure: now, bannedUntil: 0 };
      if (this.records.size >= this.options.maxAddresses) this.records.delete(this.records.keys().next().value!);
    }
    // Re-insert so Map order stays oldest-first for eviction.
    this.records.delete(address);
    this.records.set(address, r);
    r.failures++;
    r.lastFailure = now;
    const { banAfter, banMs } = this.options;
    if (banAfter > 0 && r.failures >= banAfter && r.bannedUntil <= now) r.bannedUntil = now + banMs;
    return { failures: r.failures, bannedUntil: r.bannedUntil > now ? r.bannedUntil : undefined };
  }

  success(address: string): void {
    this.records.delete(address);
  }

  private current(address: string, now: number): Record | undefined {
    const r = this.records.get(address);
    if (!r) return undefined;
    if (r.bannedUntil <= now && now - r.lastFailure > this.options.forgetAfterMs) {
      this.records.delete(address);
      return undefined;
    }
    return r;
  }
}
