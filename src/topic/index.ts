// Topic names and filters: validation, matching, filter overlap and covering, and the subscription trie
// shared by client and broker.
export * from './validate';
export { matchTopic } from './match';
export { coveringFilter, coveringLevels, filterCovers, filtersOverlap, levelsCover, levelsOverlap } from './overlap';
export { SubscriptionTrie, type TrieEntry } from './trie';
