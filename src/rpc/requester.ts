// The requester engine: publishes requests with a response topic and correlation data, and matches each
// reply to its request by correlation data. One response topic per requester, subscribed once per
// connection (and again after a reconnect that lost the session) before any request is published, so a
// fast reply cannot beat the subscription. Every request ends exactly once: a reply, an error reply, a
// timeout, a refused or failed publish, a disconnect while waiting, or close().
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { PublishPacket, QoS } from '../codec/types';
import type { Delivery, PublishMessage, PublishResult, ServerInfo, ConnectionStatus } from '../client/types';
import { topicNameProblem } from '../topic/validate';
import { defaultResponseTopic, isPlainLevel, remoteErrorOf } from './conventions';
import { correlationKey, CorrelationIds, keyOfLevel } from './correlation';
import { decodeReplyEnvelope } from './envelope';
import { failure, NO_MATCHING_SUBSCRIBERS, noResponder, publishFailure, subscribeFailure } from './outcomes';
import { metaProperties, requestMessage } from './wire';
import { RpcError, type RemoteError, type Reply, type RpcLease, type RpcMessageMeta, type RpcOutcome, type RpcProtocol } from './types';

export interface RequesterOptions {
  /** Names this requester in its default response topic (a Node-RED node id). Default: random. */
  id?: string;
  /** A fixed response topic. Default: from the broker's Response Information, else mqtt-kit/reply/<client id>/<id>. */
  responseTopic?: string;
  /** 'auto' (default): MQTT 5 properties on a v5 connection, the JSON envelope on 3.1/3.1.1. */
  protocol?: 'auto' | RpcProtocol;
  /** QoS of the response topic subscription. Default 1. */
  replyQos?: QoS;
  /** Most requests open at once; beyond it a request fails at once with RPC_TOO_MANY_REQUESTS. Default 10000. */
  maxInFlight?: number;
  /** MQTT 5 PUBACK 0x10 (no subscriber matched the request topic): 'fail' at once (default) or 'wait' for a reply. */
  noResponder?: 'fail' | 'wait';
}

export interface OneWayInput extends RpcMessageMeta {
  topic: string;
  payload: Buffer | Uint8Array | string;
  /** Default 1. */
  qos?: QoS;
}

export interface RequestInput extends OneWayInput {
  /** How long to wait for the reply, ms, counted from the call; also the request's Message Expiry (ceil, s). */
  timeoutMs: number;
  /** Caller-chosen correlation data (must be unique among this requester's open requests). Default: generated. */
  correlationData?: Buffer;
}

export interface RequesterStats {
  requests: number;
  replies: number;
  errorReplies: number;
  timeouts: number;
  failures: number;
  /** Replies that matched no open request (late, after a timeout, or not ours). */
  unmatched: number;
}

export interface RequesterEvents {
  /** The number of open requests changed. */
  inflight: [count: number];
}

interface Pending {
  readonly key: string;
  readonly input: RequestInput;
  readonly correlation: Buffer;
  readonly deadline: number;
  resolve(reply: Reply): void;
  reject(error: RpcError): void;
  timer: NodeJS.Timeout | undefined;
  sent: boolean;
  delivered: boolean;
  done: boolean;
  sentAt: number;
  abort: AbortController | undefined;
}

type Readiness = 'down' | 'subscribing' | 'ready' | 'failed';

const DEFAULT_MAX_IN_FLIGHT = 10_000;
/** Caller-chosen correlation data must fit one topic level in envelope mode (hex, two chars a byte). */
const MAX_ENVELOPE_CORRELATION = 64;

export class Requester extends EventEmitter {
  readonly id: string;
  private readonly ids = new CorrelationIds();
  private readonly pending = new Map<string, Pending>();
  /** Requests waiting for the response subscription, in arrival order. */
  private readonly waiting = new Set<Pending>();
  private readonly maxInFlight: number;
  private readiness: Readiness = 'down';
  private readinessError: unknown;
  private epoch = 0;
  private filter: string | undefined;
  private base: string | undefined;
  private protocol: RpcProtocol = 'v5';
  private closed = false;
  readonly stats: RequesterStats = { requests: 0, replies: 0, errorReplies: 0, timeouts: 0, failures: 0, unmatched: 0 };

  private readonly onStatus = (s: ConnectionStatus): void => this.statusChanged(s);
  private readonly onConnected = (server: ServerInfo): void => this.prepare(server);
  private readonly onSubscribeFailed = ({ filter, error }: { filter: string; error: Error }): void => {
    if (filter === this.filter) this.setFailed(error);
  };

  constructor(
    private readonly lease: RpcLease,
    private readonly options: RequesterOptions = {},
  ) {
    super();
    this.id = isPlainLevel(options.id) ? options.id : this.ids.next().subarray(0, 8).toString('hex');
    if (options.responseTopic !== undefined && topicNameProblem(options.responseTopic)) {
      throw new RangeError(`response topic "${options.responseTopic}" is not a valid topic name (${topicNameProblem(options.responseTopic)})`);
    }
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    lease.on('status', this.onStatus);
    lease.on('connected', this.onConnected);
    lease.on('subscribeFailed', this.onSubscribeFailed);
    if (lease.status.phase === 'connected' && lease.server) this.prepare(lease.server);
  }

  /** Open requests (waiting for the subscription, or published and waiting for the reply). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The response topic in use (envelope mode: the parent of the per-request topics); undefined before the first connection. */
  get responseTopic(): string | undefined {
    return this.base;
  }

  /** Resolves once the response topic is subscribed on the current connection; rejects if the broker refused it. */
  ready(): Promise<void> {
    if (this.readiness === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.readiness === 'subscribing' || this.readiness === 'down') return;
        this.off('readiness', check);
        if (this.readiness === 'ready') resolve();
        else reject(this.readinessError);
      };
      this.on('readiness', check);
    });
  }

  /** Publishes a request and resolves with its reply; rejects with RpcError (exactly once) otherwise. */
  request(input: RequestInput): Promise<Reply> {
    const problem = this.refuse(input);
    if (problem) {
      this.stats.failures++;
      return Promise.reject(problem);
    }
    const correlation = input.correlationData ?? this.ids.next();
    const key = correlationKey(correlation);
    if (this.pending.has(key)) {
      this.stats.failures++;
      return Promise.reject(failure('RPC_DUPLICATE_CORRELATION', 'correlation data already in use by an open request'));
    }
    this.stats.requests++;
    return new Promise<Reply>((resolve, reject) => {
      const p: Pending = {
        key, input, correlation, deadline: Date.now() + input.timeoutMs, resolve, reject,
        timer: undefined, sent: false, delivered: false, done: false, sentAt: 0, abort: undefined,
      };
      p.timer = setTimeout(() => this.timedOut(p), input.timeoutMs);
      this.pending.set(key, p);
      this.emit('inflight', this.pending.size);
      if (this.readiness === 'ready') this.dispatch(p);
      else if (this.readiness === 'failed') this.failSubscribe(p, this.readinessError);
      else this.waiting.add(p);
    });
  }

  /**
   * Fire and forget: publishes without a response topic (a one-way message; on the envelope protocol the
   * raw payload). Resolves when the message is complete for its QoS; rejects with RpcError.
   */
  async send(input: OneWayInput): Promise<PublishResult> {
    const problem = topicNameProblem(input.topic);
    if (problem) throw failure('RPC_INVALID_REQUEST', `invalid request topic "${input.topic}": ${problem}`);
    const message: PublishMessage = { topic: input.topic, payload: input.payload, qos: input.qos ?? 1 };
    const properties = this.lease.protocolVersion === 5 ? metaProperties(input) : undefined;
    if (properties) message.properties = properties;
    let result: PublishResult;
    try {
      result = await this.lease.publish(message);
    } catch (err) {
      throw publishFailure(err);
    }
    if (result.dropped) throw failure('RPC_PUBLISH_FAILED', 'not sent: disconnected, and QoS 0 messages are dropped while offline');
    if (result.reasonCode === NO_MATCHING_SUBSCRIBERS && this.options.noResponder !== 'wait') {
      throw noResponder(input.topic, true);
    }
    return result;
  }

  /** Ends every open request with RPC_CLOSED and stops listening. The lease's release removes the subscription. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lease.off('status', this.onStatus);
    this.lease.off('connected', this.onConnected);
    this.lease.off('subscribeFailed', this.onSubscribeFailed);
    for (const p of [...this.pending.values()]) this.fail(p, 'RPC_CLOSED', 'the requester was closed before the reply arrived');
  }

  override on<K extends keyof RequesterEvents | 'readiness'>(event: K, listener: (...args: K extends keyof RequesterEvents ? RequesterEvents[K] : []) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  // ---------------------------------------------------------------------------------------------

  private refuse(input: RequestInput): RpcError | undefined {
    if (this.closed) return failure('RPC_CLOSED', 'the requester is closed');
    const problem = topicNameProblem(input.topic);
    if (problem) return failure('RPC_INVALID_REQUEST', `invalid request topic "${input.topic}": ${problem}`);
    if (!(input.timeoutMs > 0) || !Number.isFinite(input.timeoutMs)) {
      return failure('RPC_INVALID_REQUEST', `invalid timeout ${input.timeoutMs}: a positive number of milliseconds`);
    }
    const c = input.correlationData;
    if (c !== undefined && (c.length === 0 || c.length > MAX_ENVELOPE_CORRELATION)) {
      return failure('RPC_INVALID_REQUEST', `correlation data must be 1 to ${MAX_ENVELOPE_CORRELATION} bytes`);
    }
    if (this.pending.size >= this.maxInFlight) {
      return failure('RPC_TOO_MANY_REQUESTS', `too many requests in flight (the limit is ${this.maxInFlight})`);
    }
    return undefined;
  }

  /** A CONNACK: choose the response topic and subscribe it (again) before publishing waiting requests. */
  private prepare(server: ServerInfo): void {
    if (this.closed) return;
    const setting = this.options.protocol ?? 'auto';
    this.protocol = setting === 'auto' ? (this.lease.protocolVersion === 5 ? 'v5' : 'envelope') : setting;
    const base = this.options.responseTopic ?? defaultResponseTopic(this.lease.protocolVersion === 5 ? server : { ...server, properties: {} }, this.id);
    const filter = this.protocol === 'envelope' ? `${base}/+` : base;
    if (this.filter !== undefined && this.filter !== filter) void this.lease.unsubscribe(this.filter).catch(() => undefined);
    this.filter = filter;
    this.base = base;
    this.setReadiness('subscribing');
    const epoch = ++this.epoch;
    const protocol = this.protocol;
    const handler = protocol === 'v5' ? (d: Delivery) => this.v5Reply(d.packet) : (d: Delivery) => this.envelopeReply(d.packet);
    this.lease.subscribe(filter, { qos: this.options.replyQos ?? 1 }, handler).then(
      () => {
        if (epoch !== this.epoch || this.closed) return;
        this.setReadiness('ready');
        for (const p of [...this.waiting]) this.dispatch(p);
      },
      (err: unknown) => {
        if (epoch === this.epoch && !this.closed) this.setFailed(err);
      },
    );
  }

  private setReadiness(readiness: Readiness, error?: unknown): void {
    this.readiness = readiness;
    this.readinessError = error;
    this.emit('readiness');
  }

  private setFailed(error: unknown): void {
    this.setReadiness('failed', error);
    for (const p of [...this.waiting]) this.failSubscribe(p, error);
  }

  /** The link went down: requests already published will not get their reply through it. */
  private statusChanged(s: ConnectionStatus): void {
    if (s.phase === 'connected' || this.readiness === 'down') return;
    ++this.epoch;
    this.setReadiness('down');
    for (const p of [...this.pending.values()]) {
      if (p.sent) this.fail(p, 'RPC_DISCONNECTED', `the connection was lost while waiting for the reply (${reasonOf(s)})`);
    }
  }

  private dispatch(p: Pending): void {
    this.waiting.delete(p);
    p.sent = true;
    const message = requestMessage({
      protocol: this.protocol, v5Connection: this.lease.protocolVersion === 5, responseTopic: this.base!,
      correlation: p.correlation, expirySeconds: Math.max(1, Math.ceil((p.deadline - Date.now()) / 1000)), input: p.input,
    });
    if (message.qos !== 0) {
      p.abort = new AbortController();
      message.signal = p.abort.signal;
    }
    p.sentAt = performance.now();
    this.lease.publish(message).then(
      (result) => this.published(p, result),
      (err: unknown) => {
        if (!p.done) this.end(p, publishFailure(err));
      },
    );
  }

  private published(p: Pending, result: PublishResult): void {
    if (p.done) return;
    if (result.dropped) {
      this.fail(p, 'RPC_PUBLISH_FAILED', 'not sent: disconnected, and QoS 0 messages are dropped while offline');
      return;
    }
    p.delivered = true;
    if (result.reasonCode === NO_MATCHING_SUBSCRIBERS && this.options.noResponder !== 'wait') this.end(p, noResponder(p.input.topic, false));
  }

  private v5Reply(packet: PublishPacket): void {
    const correlation = packet.properties?.correlationData;
    const p = correlation && this.pending.get(correlationKey(correlation));
    if (!p || !p.sent) {
      this.stats.unmatched++;
      return;
    }
    const props = packet.properties!;
    this.answer(p, packet, {
      payload: packet.payload, contentType: props.contentType, userProperties: props.userProperties,
      payloadFormatIndicator: props.payloadFormatIndicator,
    }, remoteErrorOf(props.userProperties));
  }

  /** Envelope replies arrive on <base>/<hex correlation>: the topic names the request even for a raw reply. */
  private envelopeReply(packet: PublishPacket): void {
    const key = keyOfLevel(packet.topic.slice(packet.topic.lastIndexOf('/') + 1));
    const p = key === undefined ? undefined : this.pending.get(key);
    if (!p || !p.sent) {
      this.stats.unmatched++;
      return;
    }
    const env = decodeReplyEnvelope(packet.payload);
    if (env && correlationKey(env.correlationData) === key) this.answer(p, packet, env, env.error);
    else this.answer(p, packet, { payload: packet.payload, contentType: packet.properties?.contentType }, undefined);
  }

  private answer(p: Pending, packet: PublishPacket, body: RpcMessageMeta & { payload: Buffer }, error: RemoteError | undefined): void {
    p.delivered = true;
    const reply: Reply = {
      payload: body.payload, topic: packet.topic, correlationData: p.correlation, qos: packet.qos, requestTopic: p.input.topic,
      rttMs: performance.now() - p.sentAt,
    };
    if (body.contentType !== undefined) reply.contentType = body.contentType;
    if (body.userProperties !== undefined) reply.userProperties = body.userProperties;
    if (body.payloadFormatIndicator !== undefined) reply.payloadFormatIndicator = body.payloadFormatIndicator;
    if (packet.properties?.messageExpiryInterval !== undefined) reply.messageExpiryInterval = packet.properties.messageExpiryInterval;
    if (error) {
      const outcome: RpcOutcome = { timedOut: false, delivered: true, errorCode: 'RPC_ERROR_REPLY', remote: error };
      this.stats.errorReplies++;
      this.end(p, new RpcError(`error reply: ${error.message}`, outcome, { reply }));
      return;
    }
    this.stats.replies++;
    this.finish(p);
    p.resolve(reply);
  }

  private timedOut(p: Pending): void {
    p.timer = undefined;
    const outcome: RpcOutcome = { timedOut: true, delivered: p.delivered, errorCode: 'RPC_TIMEOUT' };
    const what = p.sent ? (p.delivered ? 'no reply' : 'not acknowledged by the broker and no reply') : 'not sent (no connection or response subscription)';
    this.end(p, new RpcError(`request to "${p.input.topic}" timed out after ${p.input.timeoutMs} ms: ${what}`, outcome));
  }

  private failSubscribe(p: Pending, error: unknown): void {
    this.end(p, subscribeFailure(error));
  }

  private fail(p: Pending, code: RpcOutcome['errorCode'], message: string): void {
    this.end(p, new RpcError(message, { timedOut: false, delivered: p.delivered, errorCode: code }));
  }

  /** Ends a request with an error; an undelivered QoS 1/2 request is withdrawn from the session queue. */
  private end(p: Pending, error: RpcError): void {
    if (p.done) return;
    if (!p.delivered) p.abort?.abort();
    if (error.outcome.errorCode === 'RPC_TIMEOUT') this.stats.timeouts++;
    else if (error.outcome.errorCode !== 'RPC_ERROR_REPLY') this.stats.failures++;
    this.finish(p);
    p.reject(error);
  }

  private finish(p: Pending): void {
    p.done = true;
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(p.key);
    this.waiting.delete(p);
    this.emit('inflight', this.pending.size);
  }
}

function reasonOf(s: ConnectionStatus): string {
  return s.error?.message ?? s.phase;
}
