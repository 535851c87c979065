// Access control lists in Mosquitto's acl_file syntax (so an existing file can be pasted), plus `client`
// sections:
//
//   # comment
//   topic read public/#            lines before any user/client line: anonymous clients only
//   user alice                     the following topic lines apply to user alice
//   topic readwrite alice/#
//   topic deny alice/secret/#
//   client plc-7                   the following topic lines apply to client id plc-7
//   topic write plant/line7/#
//   pattern read devices/%u/#      every client; %u = user name, %c = client id
//
// Access is read, write, readwrite (the default when omitted) or deny. Deny by default: a client may
// publish to a topic when an applicable rule with write access matches it, and no applicable deny rule
// does; the same for reading with read access. A pattern whose %u / %c value is missing or contains `+`
// or `#` does not apply (a user named "#" must not get everything).
//
// Subscriptions: a filter is granted outright when a read rule covers it (every topic the filter can
// match is matched by the rule) and no deny rule overlaps it; granted and filtered per message when read
// rules only partly overlap it (or a deny rule overlaps it): each message is then checked with canRead
// before delivery; refused when no read rule overlaps it at all. Overlap and covering are src/topic's
// (overlap.ts), the same relations the client pool groups its subscriptions with.

import { matchTopic } from '../topic/match';
import { filterCovers, filtersOverlap } from '../topic/overlap';
import { topicFilterProblem } from '../topic/validate';

export type Access = 'read' | 'write' | 'readwrite' | 'deny';

interface Rule {
  readonly access: Access;
  readonly filter: string;
  readonly pattern: boolean;
}

/** Who is asking: the client's user name (undefined when anonymous) and client id. */
export interface AclSubject {
  readonly username: string | undefined;
  readonly clientId: string;
}

/** allow: granted as is; filter: granted, each message checked; deny: refused. */
export type SubscribeDecision = 'allow' | 'filter' | 'deny';

export class AclSyntaxError extends Error {
  constructor(readonly line: number, readonly text: string, reason: string) {
    super(`ACL line ${line}: ${reason}: "${text}"`);
    this.name = 'AclSyntaxError';
  }
}

const ACCESS = new Set<Access>(['read', 'write', 'readwrite', 'deny']);
const CACHE_LIMIT = 4096;

export class Acl {
  private readonly anonymous: Rule[] = [];
  private readonly users = new Map<string, Rule[]>();
  private readonly clients = new Map<string, Rule[]>();
  private readonly patterns: Rule[] = [];
  private readonly answers = new Map<string, boolean>();

  /** Parses acl_file text; throws AclSyntaxError naming the line. */
  static parse(text: string): Acl {
    const acl = new Acl();
    let section: Rule[] = acl.anonymous;
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const space = line.search(/\s/);
      const keyword = space < 0 ? line : line.slice(0, space);
      const rest = space < 0 ? '' : line.slice(space).trim();
      const fail = (reason: string) => new AclSyntaxError(index + 1, raw, reason);
      if (keyword === 'user' || keyword === 'client') {
        if (rest === '') throw fail(`${keyword} needs a name`);
        const map = keyword === 'user' ? acl.users : acl.clients;
        section = map.get(rest) ?? [];
        map.set(rest, section);
        return;
      }
      if (keyword !== 'topic' && keyword !== 'pattern') throw fail('expected user, client, topic or pattern');
      const rule = parseRule(rest, keyword === 'pattern', fail);
      (rule.pattern ? acl.patterns : section).push(rule);
    });
    return acl;
  }

  /** May `subject` publish to `topic`? */
  canWrite(subject: AclSubject, topic: string): boolean {
    return this.cached('w', subject, topic);
  }

  /** May `subject` receive a message published to `topic`? */
  canRead(subject: AclSubject, topic: string): boolean {
    return this.cached('r', subject, topic);
  }

  /** How a subscription to `filter` (without any $share/ prefix) is treated; see the file comment. */
  subscribe(subject: AclSubject, filter: string): SubscribeDecision {
    let readable = false;
    let covered = false;
    let denied = false;
    for (const rule of this.rulesFor(subject)) {
      if (!filtersOverlap(rule.filter, filter)) continue;
      if (rule.access === 'deny') {
        if (filterCovers(rule.filter, filter)) return 'deny';
        denied = true;
      } else if (rule.access !== 'write') {
        readable = true;
        if (filterCovers(rule.filter, filter)) covered = true;
      }
    }
    if (!readable) return 'deny';
    return covered && !denied ? 'allow' : 'filter';
  }

  // Checks run per message (publishes, and every delivery when filtering): remember recent answers.
  private cached(need: 'r' | 'w', subject: AclSubject, topic: string): boolean {
    const who = subject.username === undefined ? '-' : `+${subject.username}`;
    const key = `${need}${who}\u0000${subject.clientId}\u0000${topic}`;
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = this.decide(subject, topic, need === 'r' ? 'read' : 'write');
    if (this.answers.size >= CACHE_LIMIT) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }

  private decide(subject: AclSubject, topic: string, need: 'read' | 'write'): boolean {
    let allowed = false;
    for (const rule of this.rulesFor(subject)) {
      if (!matchTopic(rule.filter, topic)) continue;
      if (rule.access === 'deny') return false;
      if (rule.access === 'readwrite' || rule.access === need) allowed = true;
    }
    return allowed;
  }

  /** The rules that apply to a subject, with patterns substituted. */
  private rulesFor(subject: AclSubject): Rule[] {
    const own = subject.username === undefined ? this.anonymous : this.users.get(subject.username) ?? [];
    const rules = [...own, ...(this.clients.get(subject.clientId) ?? [])];
    for (const p of this.patterns) {
      const filter = substitute(p.filter, subject);
      if (filter !== undefined) rules.push({ access: p.access, filter, pattern: true });
    }
    return rules;
  }
}

function parseRule(rest: string, pattern: boolean, fail: (reason: string) => Error): Rule {
  const space = rest.search(/\s/);
  const first = space < 0 ? rest : rest.slice(0, space);
  let access: Access = 'readwrite';
  let filter = rest;
  if (ACCESS.has(first as Access)) {
    access = first as Access;
    filter = space < 0 ? '' : rest.slice(space).trim();
  }
  if (filter === '') throw fail('missing topic filter');
  const probe = pattern ? filter.replace(/%[uc]/g, 'x') : filter;
  const problem = topicFilterProblem(probe, { shared: false });
  if (problem) throw fail(`invalid topic filter (${problem})`);
  return { access, filter, pattern };
}

/** %u and %c replaced; undefined when a value is missing or would act as a wildcard. */
function substitute(filter: string, subject: AclSubject): string | undefined {
  let out = filter;
  for (const [token, value] of [['%u', subject.username], ['%c', subject.clientId]] as const) {
    if (!out.includes(token)) continue;
    if (value === undefined || value === '' || value.includes('+') || value.includes('#')) return undefined;
    out = out.split(token).join(value);
  }
  return out;
}
