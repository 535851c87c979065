// Topic name and topic filter validation, shared subscription parsing. Pure: no I/O, no Buffer.
//
// Two entry points per kind: `topicNameProblem` / `topicFilterProblem` return the first problem found
// (or undefined) without allocating an error, for the broker's hot path; `assertTopicName` /
// `assertTopicFilter` throw a typed TopicError carrying the MQTT reason code and the statement id.

import { MqttError } from '../codec/errors';

/** What is wrong with a topic name or filter. */
export type TopicProblem =
  | 'empty'              // zero length [MQTT-4.7.3-1]
  | 'null-character'     // contains U+0000 [MQTT-4.7.3-2]
  | 'ill-formed'         // lone UTF-16 surrogate: cannot be encoded as well-formed UTF-8 [MQTT-1.5.4-1]
  | 'too-long'           // more than 65535 UTF-8 bytes [MQTT-4.7.3-3], or more than a configured limit
  | 'too-many-levels'    // more levels than a configured limit (broker policy, not a spec rule)
  | 'wildcard-in-name'   // '+' or '#' in a topic name [MQTT-4.7.0-1]
  | 'hash-position'      // '#' not alone in its level or not the last level [MQTT-4.7.1-1]
  | 'plus-position'      // '+' not alone in its level [MQTT-4.7.1-2]
  | 'share-name'         // $share/{ShareName}: empty, or contains '+' or '#' [MQTT-4.8.2-1] [MQTT-4.8.2-2]
  | 'share-filter';      // $share/{ShareName} not followed by '/' and a topic filter [MQTT-4.8.2-2]

/** Statement ids (v5 numbering) enforced by each problem; the broker logs them. */
const STATEMENT: Readonly<Record<TopicProblem, string | undefined>> = {
  'empty': 'MQTT-4.7.3-1',
  'null-character': 'MQTT-4.7.3-2',
  'ill-formed': 'MQTT-1.5.4-1',
  'too-long': 'MQTT-4.7.3-3',
  'too-many-levels': undefined,
  'wildcard-in-name': 'MQTT-4.7.0-1',
  'hash-position': 'MQTT-4.7.1-1',
  'plus-position': 'MQTT-4.7.1-2',
  'share-name': 'MQTT-4.8.2-2',
  'share-filter': 'MQTT-4.8.2-2',
};

/** Thrown by the assert functions. reasonCode is 0x90 (Topic Name invalid) or 0x8F (Topic Filter invalid). */
export class TopicError extends MqttError {
  readonly problem: TopicProblem;
  readonly kind: 'name' | 'filter';
  readonly topic: string;

  constructor(kind: 'name' | 'filter', problem: TopicProblem, topic: string) {
    const shown = topic.length > 80 ? `${topic.slice(0, 80)}...` : topic;
    super(`invalid topic ${kind} (${problem}): ${JSON.stringify(shown)}`, kind === 'name' ? 0x90 : 0x8f,
      STATEMENT[problem]);
    this.problem = problem;
    this.kind = kind;
    this.topic = topic;
  }
}

/** Optional limits stricter than the protocol's (the broker's max topic length and levels). */
export interface TopicLimits {
  /** Maximum UTF-8 length in bytes; never more than 65535. */
  maxBytes?: number;
  /** Maximum number of levels ("a/b/c" has 3). */
  maxLevels?: number;
}

export const MAX_TOPIC_BYTES = 65535;

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/** UTF-8 length of a string without Buffer (sans-I/O); lone surrogates count as 3 bytes (U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Problems shared by names and filters: emptiness, U+0000, lone surrogates, length, level count. */
function commonProblem(s: string, limits: TopicLimits | undefined): TopicProblem | undefined {
  if (s.length === 0) return 'empty';
  const maxBytes = Math.min(limits?.maxBytes ?? MAX_TOPIC_BYTES, MAX_TOPIC_BYTES);
  // Each UTF-16 unit encodes to at most 3 bytes, so short strings need no byte count.
  if (s.length * 3 > maxBytes && utf8Length(s) > maxBytes) return 'too-long';
  let levels = 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'null-character';
    if (c === SLASH) levels++;
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00 || i + 1 >= s.length || !isLowSurrogate(s.charCodeAt(i + 1))) return 'ill-formed';
      i++;
    }
  }
  if (limits?.maxLevels !== undefined && levels > limits.maxLevels) return 'too-many-levels';
  return undefined;
}

/** The first problem of a topic name (as used in PUBLISH and wills), or undefined when valid. */
export function topicNameProblem(topic: string, limits?: TopicLimits): TopicProblem | undefined {
  const common = commonProblem(topic, limits);
  if (common) return common;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === PLUS || c === HASH) return 'wildcard-in-name';
  }
  return undefined;
}

/**
 * The first problem of a topic filter, or undefined when valid. A `$share/...` filter is checked as a
 * shared subscription (share name and inner filter) unless `shared: false` is given.
 */
export function topicFilterProblem(filter: string, limits?: TopicLimits & { shared?: boolean }):
  TopicProblem | undefined {
  const common = commonProblem(filter, limits);
  if (common) return common;
  if (limits?.shared !== false && filter.startsWith(SHARE_PREFIX)) {
    const parsed = splitShared(filter);
    if (typeof parsed === 'string') return parsed;
    return wildcardProblem(parsed.filter);
  }
  return wildcardProblem(filter);
}

/** Checks '+' and '#' placement [MQTT-4.7.1-1] [MQTT-4.7.1-2]. */
function wildcardProblem(filter: string): TopicProblem | undefined {
  const last = filter.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = filter.charCodeAt(i);
    if (c !== PLUS && c !== HASH) continue;
    const aloneBefore = i === 0 || filter.charCodeAt(i - 1) === SLASH;
    if (c === HASH) {
      if (!aloneBefore || i !== last) return 'hash-position';
    } else if (!aloneBefore || (i !== last && filter.charCodeAt(i + 1) !== SLASH)) {
      return 'plus-position';
    }
  }
  return undefined;
}

export function assertTopicName(topic: string, limits?: TopicLimits): void {
  const problem = topicNameProblem(topic, limits);
  if (problem) throw new TopicError('name', problem, topic);
}

export function assertTopicFilter(filter: string, limits?: TopicLimits & { shared?: boolean }): void {
  const problem = topicFilterProblem(filter, limits);
  if (problem) throw new TopicError('filter', problem, filter);
}

/** True when the string contains '+' or '#' (a wildcard filter). */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

// ---------------------------------------------------------------------------------------------
// Shared subscriptions: $share/{ShareName}/{filter} [MQTT-4.8.2-1] [MQTT-4.8.2-2]
// ---------------------------------------------------------------------------------------------

export const SHARE_PREFIX = '$share/';

export interface SharedFilter {
  /** The ShareName. */
  group: string;
  /** The topic filter after the ShareName; this is what topics are matched against. */
  filter: string;
}

/** True when the filter starts with "$share/" (it is then a shared subscription, valid or not). */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

/**
 * Parses a `$share/{group}/{filter}` filter. Returns undefined for a non-shared filter; throws TopicError
 * (0x8F) when the share name or inner filter is malformed. The inner filter is fully validated.
 */
export function parseSharedFilter(filter: string, limits?: TopicLimits): SharedFilter | undefined {
  if (!filter.startsWith(SHARE_PREFIX)) return undefined;
  const problem = topicFilterProblem(filter, limits);
  if (problem) throw new TopicError('filter', problem, filter);
  return splitShared(filter) as SharedFilter;
}

function splitShared(filter: string): SharedFilter | TopicProblem {
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  const group = filter.slice(SHARE_PREFIX.length, slash === -1 ? filter.length : slash);
  if (group.length === 0 || group.includes('+') || group.includes('#')) return 'share-name';
  if (slash === -1 || slash === filter.length - 1) return 'share-filter';
  return { group, filter: filter.slice(slash + 1) };
}
