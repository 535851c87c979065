// Retained messages: one per topic, kept in a tree of topic levels so a new subscription's filter is
// answered by walking only the matching branches (not by testing every retained topic).
// Retained messages are not session state: they outlive every session [3.1.1 MQTT-3.1.2-7].

import type { BrokerMessage } from './message';
import { isExpired } from './message';

interface LevelNode {
  children: Map<string, LevelNode> | undefined;
  message: BrokerMessage | undefined;
}

function newNode(): LevelNode {
  return { children: undefined, message: undefined };
}

export class RetainedStore {
  private readonly root: LevelNode = newNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Stores a retained message, replacing the topic's previous one [MQTT-3.3.1-5]; an empty payload
   * deletes it and is never stored itself [v5 MQTT-3.3.1-6] [v5 MQTT-3.3.1-7].
   * Returns true when the set of retained messages changed.
   */
  set(message: BrokerMessage): boolean {
    if (message.payload.length === 0) return this.delete(message.topic);
    let node = this.root;
    for (const level of message.topic.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) {
        child = newNode();
        node.children.set(level, child);
      }
      node = child;
    }
    if (!node.message) this.count++;
    node.message = message;
    return true;
  }

  get(topic: string): BrokerMessage | undefined {
    let node: LevelNode | undefined = this.root;
    for (const level of topic.split('/')) {
      node = node.children?.get(level);
      if (!node) return undefined;
    }
    return node.message;
  }

  delete(topic: string): boolean {
    const path: LevelNode[] = [];
    let node: LevelNode | undefined = this.root;
    const levels = topic.split('/');
    for (const level of levels) {
      path.push(node);
      node = node.children?.get(level);
      if (!node) return false;
    }
    if (!node.message) return false;
    node.message = undefined;
    this.count--;
    // Prune empty nodes bottom-up.
    for (let i = levels.length - 1; i >= 0; i--) {
      const child = path[i]!.children!.get(levels[i]!)!;
      if (child.message || child.children?.size) break;
      path[i]!.children!.delete(levels[i]!);
    }
    return true;
  }

  /**
   * Retained messages whose topic matches the filter (a valid, non-shared filter), skipping and
   * deleting expired ones [v5 MQTT-3.3.2-5]. A first-level '+' or '#' skips '$' topics [MQTT-4.7.2-1].
   */
  match(filter: string, now: number): BrokerMessage[] {
    const out: BrokerMessage[] = [];
    const levels = filter.split('/');
    // Iterative walk: (node, depth) pairs; no recursion, so no depth limit.
    const stack: Array<[LevelNode, number]> = [[this.root, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      if (depth === levels.length) {
        if (node.message) out.push(node.message);
        continue;
      }
      const level = levels[depth]!;
      if (level === '#') {
        if (node.message && depth > 0) out.push(node.message); // "a/#" matches "a"
        this.collectAll(node, depth === 0, out);
      } else if (level === '+') {
        for (const [name, child] of node.children ?? []) {
          if (depth === 0 && name.charCodeAt(0) === 0x24) continue;
          stack.push([child, depth + 1]);
        }
      } else {
        const child = node.children?.get(level);
        if (child) stack.push([child, depth + 1]);
      }
    }
    return this.dropExpired(out, now);
  }

  /** Every retained message (for persistence and listing). */
  *all(): IterableIterator<BrokerMessage> {
    const stack: LevelNode[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.message) yield node.message;
      if (node.children) stack.push(...node.children.values());
    }
  }

  clear(): void {
    this.root.children = undefined;
    this.count = 0;
  }

  /** Every message strictly below node; at the root, topics starting with '$' are skipped. */
  private collectAll(start: LevelNode, atRoot: boolean, out: BrokerMessage[]): void {
    const stack: LevelNode[] = [];
    for (const [name, child] of start.children ?? []) {
      if (atRoot && name.charCodeAt(0) === 0x24) continue;
      stack.push(child);
    }
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.message) out.push(node.message);
      if (node.children) for (const child of node.children.values()) stack.push(child);
    }
  }

  private dropExpired(messages: BrokerMessage[], now: number): BrokerMessage[] {
    if (!messages.some((m) => m.expiresAt !== undefined)) return messages;
    const live: BrokerMessage[] = [];
    for (const m of messages) {
      if (isExpired(m, now)) this.delete(m.topic);
      else live.push(m);
    }
    return live;
  }
}
