// A subscription trie shared by the client pool and the broker. One node per filter level; exact levels
// sit in a Map, '+' and '#' in their own slots so a lookup never scans. match() walks level by level
// with two reusable frontier arrays (no recursion, so no depth limit and nothing that throws on deep
// topics), and returns each matching entry exactly once: a node stands for exactly one filter and the
// walk reaches each node at most once, because every filter level consumes exactly one topic level.

export interface TrieEntry<K, V> {
  /** The filter as inserted (the trie does not interpret `$share/`: callers insert the inner filter). */
  readonly filter: string;
  readonly key: K;
  value: V;
}

/** An entry with its position in its node's list (swap-remove in O(1)). */
interface Slotted<K, V> extends TrieEntry<K, V> {
  slot: number;
}

interface TrieNode<K, V> {
  children: Map<string, TrieNode<K, V>> | undefined;
  plus: TrieNode<K, V> | undefined;
  hash: TrieNode<K, V> | undefined;
  /** Entries by key, and the same entries in an array for iteration without an iterator object. */
  entries: Map<K, Slotted<K, V>> | undefined;
  list: Array<Slotted<K, V>> | undefined;
}

function newNode<K, V>(): TrieNode<K, V> {
  return { children: undefined, plus: undefined, hash: undefined, entries: undefined, list: undefined };
}

function isEmpty<K, V>(node: TrieNode<K, V>): boolean {
  return !node.entries?.size && !node.children?.size && !node.plus && !node.hash;
}

export class SubscriptionTrie<K, V> {
  private readonly root: TrieNode<K, V> = newNode();
  private count = 0;
  // Scratch frontiers reused by match(); match() is synchronous, so it never overlaps itself.
  private frontier: TrieNode<K, V>[] = [];
  private nextFrontier: TrieNode<K, V>[] = [];

  /** Number of (filter, key) entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds or replaces the entry for (filter, key). Returns true when it was new. The filter must be
   * valid (validate.ts); a key may hold entries under many filters.
   */
  insert(filter: string, key: K, value: V): boolean {
    let node = this.root;
    for (const level of filter.split('/')) node = this.childFor(node, level);
    node.entries ??= new Map();
    node.list ??= [];
    const existing = node.entries.get(key);
    if (existing) {
      existing.value = value;
      return false;
    }
    const entry: Slotted<K, V> = { filter, key, value, slot: node.list.length };
    node.entries.set(key, entry);
    node.list.push(entry);
    this.count++;
    return true;
  }

  /** Removes the entry for (filter, key) and prunes emptied nodes. Returns true when it existed. */
  remove(filter: string, key: K): boolean {
    const path: Array<[TrieNode<K, V>, string]> = [];
    let node: TrieNode<K, V> | undefined = this.root;
    for (const level of filter.split('/')) {
      path.push([node, level]);
      node = childOf(node, level);
      if (!node) return false;
    }
    const entry = node.entries?.get(key);
    if (!entry) return false;
    node.entries!.delete(key);
    const list = node.list!;
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.slot] = last;
      last.slot = entry.slot;
    }
    this.count--;
    for (let i = path.length - 1; i >= 0 && isEmpty(node); i--) {
      const [parent, level] = path[i]!;
      detach(parent, level);
      node = parent;
    }
    return true;
  }

  get(filter: string, key: K): TrieEntry<K, V> | undefined {
    let node: TrieNode<K, V> | undefined = this.root;
    for (const level of filter.split('/')) {
      node = childOf(node, level);
      if (!node) return undefined;
    }
    return node.entries?.get(key);
  }

  /**
   * Every entry whose filter matches the topic name, each exactly once, in no particular order.
   * Filters starting with '+' or '#' do not match topics starting with '$' [MQTT-4.7.2-1]; "a/#"
   * matches "a"; empty levels are levels like any other.
   */
  match(topic: string): Array<TrieEntry<K, V>> {
    const out: Array<TrieEntry<K, V>> = [];
    const dollar = topic.charCodeAt(0) === 0x24;
    let current = this.frontier;
    let next = this.nextFrontier;
    current[0] = this.root;
    let count = 1;
    let start = 0;
    // Walk the topic level by level without splitting it into an array.
    for (let depth = 0; count > 0; depth++) {
      const slash = topic.indexOf('/', start);
      const level = slash === -1 ? topic.slice(start) : topic.slice(start, slash);
      const wildcardsAllowed = depth > 0 || !dollar;
      let nextCount = 0;
      for (let j = 0; j < count; j++) {
        const node = current[j]!;
        if (wildcardsAllowed) {
          if (node.hash) pushEntries(out, node.hash);
          if (node.plus) next[nextCount++] = node.plus;
        }
        const child = node.children?.get(level);
        if (child) next[nextCount++] = child;
      }
      const swap = current;
      current = next;
      next = swap;
      count = nextCount;
      if (slash === -1) break;
      start = slash + 1;
    }
    for (let j = 0; j < count; j++) {
      const node = current[j]!;
      pushEntries(out, node);
      // "a/#" also matches the parent level "a". At the root that would make "#" match a topic of
      // zero levels, which cannot occur (a topic always has at least one level).
      if (node.hash) pushEntries(out, node.hash);
    }
    // Drop node references so the scratch arrays do not keep removed subtrees alive.
    current.fill(undefined as unknown as TrieNode<K, V>);
    next.fill(undefined as unknown as TrieNode<K, V>);
    this.frontier = current;
    this.nextFrontier = next;
    return out;
  }

  /** Every entry, for listing and persistence. */
  *entries(): IterableIterator<TrieEntry<K, V>> {
    const stack: Array<TrieNode<K, V>> = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.list) yield* node.list;
      if (node.children) stack.push(...node.children.values());
      if (node.plus) stack.push(node.plus);
      if (node.hash) stack.push(node.hash);
    }
  }

  clear(): void {
    Object.assign(this.root, newNode());
    this.count = 0;
  }

  private childFor(node: TrieNode<K, V>, level: string): TrieNode<K, V> {
    if (level === '+') return (node.plus ??= newNode());
    if (level === '#') return (node.hash ??= newNode());
    node.children ??= new Map();
    let child = node.children.get(level);
    if (!child) {
      child = newNode();
      node.children.set(level, child);
    }
    return child;
  }
}

function childOf<K, V>(node: TrieNode<K, V>, level: string): TrieNode<K, V> | undefined {
  if (level === '+') return node.plus;
  if (level === '#') return node.hash;
  return node.children?.get(level);
}

function detach<K, V>(parent: TrieNode<K, V>, level: string): void {
  if (level === '+') parent.plus = undefined;
  else if (level === '#') parent.hash = undefined;
  else parent.children?.delete(level);
}

function pushEntries<K, V>(out: Array<TrieEntry<K, V>>, node: TrieNode<K, V>): void {
  const list = node.list;
  if (list) for (let i = 0; i < list.length; i++) out.push(list[i]!);
}
