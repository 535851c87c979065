// The responder engine: subscribes to a request topic (wildcards and $share/group/... allowed) and hands
// every request to the caller with the route its answer takes. A request arrives as MQTT 5 properties
// (Response Topic, Correlation Data) or as a JSON envelope (MQTT 3.1.1 requesters, on any connection);
// a message with neither is a one-way message (no route).
import type { PublishPacket, QoS } from '../codec/types';
import type { Delivery, SubscribeResult } from '../client/types';
import { topicNameProblem } from '../topic/validate';
import { decodeRequestEnvelope } from './envelope';
import { errorReplyTo, replyTo, type ErrorReplyInput, type ReplyInput, type ReplyResult } from './reply';
import type { ReplyRoute, RpcLease, RpcMessageMeta } from './types';

export interface IncomingRequest extends RpcMessageMeta {
  /** The topic the request was published to. */
  topic: string;
  /** The request payload (unwrapped from the envelope when it came in one). */
  payload: Buffer;
  qos: QoS;
  /** The filter of ours that matched (with any $share/group/). */
  subscription: string;
  /** Where the answer goes; undefined for a one-way message. */
  route: ReplyRoute | undefined;
  /** Remaining Message Expiry Interval of the request (MQTT 5), seconds. */
  messageExpiryInterval?: number | undefined;
  packet: PublishPacket;
}

export interface ResponderOptions {
  /** The request topic filter; `$share/<group>/<filter>` spreads requests over several responders. */
  topic: string;
  /** Subscription QoS. Default 1. */
  qos?: QoS;
  /** Called for every request, in arrival order; answer with reply()/replyError() (now or later). */
  onRequest: (request: IncomingRequest) => void;
}

export interface ResponderStats {
  requests: number;
  oneWay: number;
  /** Retained messages on the request topic: stale, never served. */
  ignoredRetained: number;
  replies: number;
  errorReplies: number;
  /** Answers not sent because the request had expired. */
  expired: number;
}

export class Responder {
  private closed = false;
  readonly stats: ResponderStats = { requests: 0, oneWay: 0, ignoredRetained: 0, replies: 0, errorReplies: 0, expired: 0 };

  constructor(
    private readonly lease: RpcLease,
    private readonly options: ResponderOptions,
  ) {}

  get topic(): string {
    return this.options.topic;
  }

  /** Subscribes; resolves after SUBACK (waiting for the connection when offline). Rejects with SubscribeError/TopicError. */
  start(): Promise<SubscribeResult> {
    // Retain Handling 2: a retained message on a request topic is a stale request, not one to serve now.
    return this.lease.subscribe(this.options.topic, { qos: this.options.qos ?? 1, retainHandling: 2 }, (d) => this.receive(d));
  }

  /** Stops handing requests over (the lease's release removes the subscription). */
  close(): void {
    this.closed = true;
  }

  async reply(route: ReplyRoute, reply: ReplyInput): Promise<ReplyResult> {
    const r = await replyTo(this.lease, route, reply);
    this.count(r, 'replies');
    return r;
  }

  async replyError(route: ReplyRoute, error: ErrorReplyInput): Promise<ReplyResult> {
    const r = await errorReplyTo(this.lease, route, error);
    this.count(r, 'errorReplies');
    return r;
  }

  private count(r: ReplyResult, kind: 'replies' | 'errorReplies'): void {
    if (r.sent) this.stats[kind]++;
    else this.stats.expired++;
  }

  private receive(d: Delivery): void {
    if (this.closed) return;
    const packet = d.packet;
    if (packet.retain) {
      // Only a retained message sent because of the subscription carries RETAIN here (3.1.1, or v5
      // without Retain As Published); Retain Handling 2 already stops them on v5.
      this.stats.ignoredRetained++;
      return;
    }
    const request = parseRequest(packet, d.subscription, Date.now());
    if (request.route) this.stats.requests++;
    else this.stats.oneWay++;
    this.options.onRequest(request);
  }
}

/** One PUBLISH on a request topic -> the request and its route (MQTT 5 properties first, then the envelope). */
export function parseRequest(packet: PublishPacket, subscription: string, now: number): IncomingRequest {
  const props = packet.properties;
  const expiry = props?.messageExpiryInterval;
  const expiresAt = expiry === undefined ? undefined : now + expiry * 1000;
  const request: IncomingRequest = { topic: packet.topic, payload: packet.payload, qos: packet.qos, subscription, route: undefined, packet };
  if (expiry !== undefined) request.messageExpiryInterval = expiry;
  if (props?.responseTopic !== undefined && !topicNameProblem(props.responseTopic)) {
    request.route = { responseTopic: props.responseTopic, correlationData: props.correlationData, protocol: 'v5', qos: packet.qos, expiresAt };
    copyMeta(request, props);
    return request;
  }
  const env = props?.responseTopic === undefined ? decodeRequestEnvelope(packet.payload) : undefined;
  if (env) {
    request.route = { responseTopic: env.responseTopic, correlationData: env.correlationData, protocol: 'envelope', qos: packet.qos, expiresAt };
    request.payload = env.payload;
    copyMeta(request, env);
    return request;
  }
  if (props) copyMeta(request, props);
  return request;
}

function copyMeta(target: RpcMessageMeta, source: RpcMessageMeta): void {
  if (source.contentType !== undefined) target.contentType = source.contentType;
  if (source.userProperties !== undefined) target.userProperties = source.userProperties;
  if (source.payloadFormatIndicator !== undefined) target.payloadFormatIndicator = source.payloadFormatIndicator;
}
