// Topic filter algebra, pure: whether two filters can match the same topic (overlap), whether one filter
// matches everything another does (covers), and the most specific level-wise filter that matches
// everything a set of filters matches (covering filter). The client pool groups overlapping subscriptions
// with these (src/client/filter-groups.ts); the broker's ACL decides subscriptions with them (acl.ts).
//
// Matching rules these follow (match.ts is the reference they are tested against): '+' matches exactly
// one level (possibly empty), '#' is last and matches its parent level and any number of child levels
// ("a/#" matches "a"), and a filter whose first level is '+' or '#' never matches a topic whose first
// level starts with '$' [MQTT-4.7.2-1]. Filters are assumed valid and without a $share/ prefix.

const isWild = (level: string): boolean => level === '+' || level === '#';
const isDollar = (level: string): boolean => level.charCodeAt(0) === 0x24;

/** True when some topic name matches both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  return levelsOverlap(a.split('/'), b.split('/'));
}

/** filtersOverlap on filters already split into levels (callers that keep the levels avoid re-splitting). */
export function levelsOverlap(a: readonly string[], b: readonly string[]): boolean {
  // A wildcard first level never matches a '$' topic; a '$' literal first level matches only '$' topics.
  if ((isWild(a[0]!) && isDollar(b[0]!)) || (isWild(b[0]!) && isDollar(a[0]!))) return false;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '#' || y === '#') return true; // '#' takes any rest, including none (the parent level)
    if (x === undefined || y === undefined) return false; // one ended, the other needs another level
    if (x !== y && x !== '+' && y !== '+') return false;
  }
  return true;
}

/** True when every topic matching `inner` also matches `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  return levelsCover(outer.split('/'), inner.split('/'));
}

/** filterCovers on filters already split into levels. */
export function levelsCover(outer: readonly string[], inner: readonly string[]): boolean {
  // "+/x" does not cover "$a/x": the '$' topics of inner are out of a wildcard first level's reach.
  if (isWild(outer[0]!) && !isWild(inner[0]!) && isDollar(inner[0]!)) return false;
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i]!;
    if (o === '#') return true;
    const x = inner[i];
    if (x === undefined) return false; // inner ends earlier: its topics have fewer levels than outer needs
    // Inner takes any rest, including none (its parent level), which '+' does not; but at the first level
    // there is no parent topic, so "+/#" covers "#".
    if (x === '#') return i === 0 && o === '+' && outer[1] === '#';
    if (o !== '+' && o !== x) return false; // a literal covers only itself ('+' in inner is wider)
  }
  return inner.length === outer.length;
}

/**
 * The most specific filter, built level by level, that matches every topic any of `filters` matches:
 * a level all filters share stays, differing levels become '+', and where one filter has '#' or ends
 * while another goes on, '#' ends the result ("a/b" + "a/b/c" -> "a/b/#"). Callers only combine
 * filters whose first levels agree about '$' (overlapping filters do), so the result keeps [MQTT-4.7.2-1]
 * from hiding a '$' topic: mixing a '$' first level with another first level throws.
 */
export function coveringFilter(filters: readonly string[]): string {
  return coveringLevels(filters.map((f) => f.split('/'))).join('/');
}

/** coveringFilter on filters already split into levels; returns the levels. */
export function coveringLevels(filters: ReadonlyArray<readonly string[]>): string[] {
  if (filters.length === 0) throw new RangeError('coveringFilter needs at least one filter');
  const out: string[] = [];
  for (let i = 0; ; i++) {
    let ended = 0;
    let hash = false;
    let first: string | undefined;
    let same = true;
    for (const f of filters) {
      const level = f[i];
      if (level === undefined) ended++;
      else if (level === '#') hash = true;
      else if (first === undefined) first = level;
      else if (level !== first) same = false;
    }
    if (ended === filters.length) return out;
    if (hash || ended > 0) {
      out.push('#');
      return checkedFirstLevel(out, filters);
    }
    out.push(same ? first! : '+');
    if (i === 0) checkedFirstLevel(out, filters);
  }
}

/** A wildcard first level in the result would stop matching the '$' topics of a '$' member. */
function checkedFirstLevel(out: string[], filters: ReadonlyArray<readonly string[]>): string[] {
  if (isWild(out[0]!) && filters.some((f) => isDollar(f[0]!))) {
    throw new RangeError(`no covering filter for ${filters.map((f) => JSON.stringify(f.join('/'))).join(', ')}: '$' topics`);
  }
  return out;
}
