// Groups of overlapping topic filters, kept incrementally, pure. Without v5 Subscription Identifiers the
// pool must not hold two broker subscriptions that can match the same topic (a broker may send one copy
// per matching subscription, and identical copies cannot be told from a genuine repeat). So the leases'
// (non-shared) filters are grouped: two groups whose covering filters overlap are merged, and the merged
// group's covering filter (src/topic/overlap.ts) is what the broker is asked for. Merging only widens a cover, and
// the wider cover may overlap further groups, so merging repeats until no two covers overlap (fixpoint).
//
// A broker may refuse a generalized cover that no lease asked for (an ACL allowing "a/b/#" refuses
// "a/+/+"). Such a cover is remembered as refused and never formed again: the filters it would merge
// stay in separate groups, which may then overlap (see docs/client.md for what that costs).
import { coveringLevels, levelsOverlap } from '../topic/overlap';

export interface FilterGroup {
  /** The filter subscribed at the broker for the whole group. */
  readonly cover: string;
  readonly levels: readonly string[];
  /** The leases' filters in the group. */
  readonly members: ReadonlySet<string>;
}

interface Group extends FilterGroup {
  cover: string;
  levels: string[];
  members: Set<string>;
}

export class FilterGroups {
  private readonly groups = new Set<Group>();
  private readonly byFilter = new Map<string, Group>();
  private readonly byCover = new Map<string, Group>();
  private readonly refused = new Set<string>();

  get size(): number {
    return this.groups.size;
  }

  all(): IterableIterator<FilterGroup> {
    return this.groups.values();
  }

  groupOf(filter: string): FilterGroup | undefined {
    return this.byFilter.get(filter);
  }

  /** The group whose cover is `cover` (covers are distinct: two equal covers would overlap). */
  withCover(cover: string): FilterGroup | undefined {
    return this.byCover.get(cover);
  }

  has(filter: string): boolean {
    return this.byFilter.has(filter);
  }

  /** Adds a (non-shared, valid) filter, merging groups until no two covers overlap. */
  add(filter: string): void {
    if (this.byFilter.has(filter)) return;
    const levels = filter.split('/');
    const group: Group = { cover: filter, levels, members: new Set([filter]) };
    this.groups.add(group);
    this.byFilter.set(filter, group);
    this.byCover.set(filter, group);
    this.settle(group);
  }

  /** Removes a filter; what is left of its group is grouped again (it may fall apart into several). */
  remove(filter: string): void {
    const group = this.byFilter.get(filter);
    if (!group) return;
    this.byFilter.delete(filter);
    group.members.delete(filter);
    this.regroup(group);
  }

  /**
   * The broker refused `cover`, a filter no lease asked for: never form it again, and group the filters
   * of the groups that had it again without it.
   */
  refuse(cover: string): void {
    this.refused.add(cover);
    for (const group of [...this.groups]) if (group.cover === cover && !group.members.has(cover)) this.regroup(group);
  }

  isRefused(cover: string): boolean {
    return this.refused.has(cover);
  }

  private regroup(group: Group): void {
    this.groups.delete(group);
    this.byCover.delete(group.cover);
    for (const filter of group.members) this.byFilter.delete(filter);
    for (const filter of group.members) this.add(filter);
  }

  /** Merges every group whose cover overlaps `group`'s into it, until none does (its cover only widens). */
  private settle(group: Group): void {
    for (let merged = true; merged; ) {
      merged = false;
      for (const other of this.groups) {
        if (other === group || !levelsOverlap(group.levels, other.levels)) continue;
        const levels = coveringLevels([group.levels, other.levels]);
        const cover = levels.join('/');
        // A refused generalization is not formed again; absorbing into a lease's own filter still is.
        if (this.refused.has(cover) && cover !== group.cover && cover !== other.cover) continue;
        this.groups.delete(other);
        this.byCover.delete(other.cover);
        this.byCover.delete(group.cover);
        for (const filter of other.members) {
          group.members.add(filter);
          this.byFilter.set(filter, group);
        }
        group.levels = levels;
        group.cover = cover;
        this.byCover.set(cover, group);
        merged = true;
        break;
      }
    }
  }
}
