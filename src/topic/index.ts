// Topic names and filters: validation, matching, and the subscription trie shared by client and broker.
export * from './validate';
export { matchTopic } from './match';
export { SubscriptionTrie, type TrieEntry } from './trie';
