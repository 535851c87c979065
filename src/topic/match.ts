// Matching one topic name against one topic filter: the plain, obviously-correct reference that the
// trie is tested against, and a convenience for callers with a handful of filters.
// Both arguments are assumed valid (see validate.ts); matching compares levels exactly, with no
// normalisation or character substitution [MQTT-4.7.3-4].

/**
 * True when `topic` matches `filter`:
 * - '+' matches exactly one level, which may be empty;
 * - '#' (last level) matches the parent level and any number of child levels ("a/#" matches "a");
 * - a filter whose first level is '+' or '#' never matches a topic starting with '$' [MQTT-4.7.2-1].
 */
export function matchTopic(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 0x24 /* $ */ && (filter[0] === '+' || filter[0] === '#')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
