// Users, anonymous access, ACL and the login guard, as broker hooks. The host builds one BrokerSecurity
// from its configuration and passes `security.hooks` to the Broker; failed logins come out as
// 'authFailure' events with the reason and the remote address (for logs and flows).
//
// Authentication order for a CONNECT: banned address -> refused at once (0x8A); recent failures from the
// address -> this CONNECT waits first; a transport identity (verified client certificate CN) -> accepted;
// no user name -> anonymous rules; else the password is checked against the user's scrypt hash (0x86 when
// wrong or the user is unknown). A client id whose stored session belongs to another user is refused
// (0x87), so nobody can resume someone else's subscriptions and queued messages.

import { EventEmitter } from 'node:events';
import { parseSharedFilter } from '../topic/validate';
import type { Acl } from './acl';
import type { BrokerHooks, ClientInfo, ConnectVerdict, Credentials, DeliveryTarget, SubscriptionRequest } from './hooks';
import { LoginGuard, hostOf, type LoginGuardOptions } from './login-guard';
import type { BrokerMessage } from './message';
import { verifyNobody, verifyPassword } from './passwords';

export interface BrokerUser {
  username: string;
  /** scrypt hash from hashPassword(). */
  hash: string;
}

/** auto: anonymous clients are accepted only while no user is defined. */
export type AnonymousPolicy = 'auto' | 'allow' | 'deny';

export interface SecurityOptions {
  users?: BrokerUser[];
  anonymous?: AnonymousPolicy;
  /** Parsed ACL; without one every authenticated client may publish and subscribe to anything. */
  acl?: Acl;
  guard?: LoginGuardOptions;
  /** Owner (user name) of the session a client id holds, for the takeover check (Broker.session()). */
  sessionOwner?: (clientId: string) => { username: string | undefined; connected: boolean } | undefined;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

export type AuthFailureReason = 'bad-password' | 'unknown-user' | 'anonymous' | 'banned' | 'session-owner';

export interface AuthFailure {
  reason: AuthFailureReason;
  reasonCode: number;
  clientId: string;
  username: string | undefined;
  remoteAddress: string;
  listener: string;
  /** Failed logins from this address so far (within the guard's memory). */
  failures: number;
  /** Set when this failure banned the address (epoch ms). */
  bannedUntil?: number;
}

export interface SecurityEvents {
  authFailure: [failure: AuthFailure];
}

/** In-process connections (flows of this Node-RED) are never delayed or banned. */
const TRUSTED_LISTENERS = new Set(['memory']);

export class BrokerSecurity extends EventEmitter<SecurityEvents> {
  readonly hooks: BrokerHooks;
  private readonly users: Map<string, string>;
  private readonly anonymousAllowed: boolean;
  private readonly guard: LoginGuard;
  private readonly now: () => number;

  constructor(private readonly options: SecurityOptions = {}) {
    super();
    this.users = new Map((options.users ?? []).map((u) => [u.username, u.hash]));
    const policy = options.anonymous ?? 'auto';
    this.anonymousAllowed = policy === 'allow' || (policy === 'auto' && this.users.size === 0);
    this.guard = new LoginGuard(options.guard);
    this.now = options.now ?? Date.now;
    const acl = options.acl;
    this.hooks = {
      authenticate: (client, credentials) => this.authenticate(client, credentials),
      ...(acl ? {
        authorizePublish: (client: ClientInfo, message: BrokerMessage) => acl.canWrite(client, message.topic),
        authorizeSubscribe: (client: ClientInfo, sub: SubscriptionRequest) => this.authorizeSubscribe(acl, client, sub),
        authorizeDelivery: (target: DeliveryTarget, message: BrokerMessage) => acl.canRead(target, message.topic),
      } : {}),
    };
  }

  /** True when clients without a user name are accepted. */
  get allowsAnonymous(): boolean {
    return this.anonymousAllowed;
  }

  private authenticate(client: ClientInfo, credentials: Credentials): ConnectVerdict | Promise<ConnectVerdict> {
    const trusted = TRUSTED_LISTENERS.has(client.listener);
    const address = hostOf(client.remoteAddress);
    const check = trusted ? { kind: 'ok' as const } : this.guard.check(address, this.now());
    if (check.kind === 'banned') {
      return this.refuse(client, 'banned', 0x8a, { failures: 0, bannedUntil: check.untilMs });
    }
    if (check.kind === 'delay') return delay(check.ms).then(() => this.verify(client, credentials));
    return this.verify(client, credentials);
  }

  private verify(client: ClientInfo, credentials: Credentials): ConnectVerdict | Promise<ConnectVerdict> {
    if (client.identity === undefined && client.username === undefined) {
      return this.anonymousAllowed ? this.accept(client, credentials) : this.fail(client, 'anonymous', 0x87);
    }
    if (client.identity !== undefined || (this.users.size === 0 && this.anonymousAllowed)) return this.accept(client, credentials);
    const hash = this.users.get(client.username!);
    const password = credentials.password ?? Buffer.alloc(0);
    const checking = hash === undefined ? verifyNobody(password) : verifyPassword(password, hash);
    return checking.then((ok) => {
      if (ok) return this.accept(client, credentials);
      return this.fail(client, hash === undefined ? 'unknown-user' : 'bad-password', 0x86);
    });
  }

  /**
   * A client id held by another user's session is refused when resuming it (its subscriptions and queued
   * messages are not ours) or when that user is connected (no kicking others off); a clean start over an
   * offline session of another user discards that session, which leaks nothing.
   */
  private accept(client: ClientInfo, credentials: Credentials): ConnectVerdict {
    const owner = this.options.sessionOwner?.(client.clientId);
    const foreign = owner !== undefined && owner.username !== client.username && (owner.connected || !credentials.cleanStart);
    if (foreign && this.users.size > 0) {
      return this.refuse(client, 'session-owner', 0x87, { failures: 0 });
    }
    if (!TRUSTED_LISTENERS.has(client.listener)) this.guard.success(hostOf(client.remoteAddress));
    return true;
  }

  private fail(client: ClientInfo, reason: AuthFailureReason, reasonCode: number): ConnectVerdict {
    const trusted = TRUSTED_LISTENERS.has(client.listener);
    const counted = trusted ? { failures: 0, bannedUntil: undefined } : this.guard.failure(hostOf(client.remoteAddress), this.now());
    return this.refuse(client, reason, reasonCode, counted);
  }

  private refuse(client: ClientInfo, reason: AuthFailureReason, reasonCode: number,
    counted: { failures: number; bannedUntil?: number | undefined }): ConnectVerdict {
    const failure: AuthFailure = {
      reason, reasonCode, clientId: client.clientId, username: client.username, remoteAddress: client.remoteAddress,
      listener: client.listener, failures: counted.failures,
    };
    if (counted.bannedUntil !== undefined) failure.bannedUntil = counted.bannedUntil;
    this.emit('authFailure', failure);
    return { reasonCode };
  }

  private authorizeSubscribe(acl: Acl, client: ClientInfo, sub: SubscriptionRequest): SubscriptionRequest['qos'] | false {
    const filter = parseSharedFilter(sub.topicFilter)?.filter ?? sub.topicFilter;
    return acl.subscribe(client, filter) === 'deny' ? false : sub.qos;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
}
