// Public surface of the RPC layer: the requester and responder engines the mqtt-rpc node drives, and the
// wire conventions (docs/rpc.md).
export { Requester, type RequesterOptions, type RequestInput, type OneWayInput, type RequesterStats } from './requester';
export { Responder, parseRequest, type ResponderOptions, type IncomingRequest, type ResponderStats } from './responder';
export { replyTo, errorReplyTo, ReplyRouteError, type ReplyInput, type ErrorReplyInput, type ReplyResult } from './reply';
export {
  ERROR_PROPERTY, ERROR_CODE_PROPERTY, ERROR_CONTENT_TYPE, DEFAULT_REPLY_PREFIX, defaultResponseTopic, remoteErrorOf,
} from './conventions';
export { encodeRequestEnvelope, decodeRequestEnvelope, encodeReplyEnvelope, decodeReplyEnvelope } from './envelope';
export { CorrelationIds, correlationKey } from './correlation';
export * from './types';
