// Responder nodes by node id, in the bundle's module scope: a reply-mode node sends the answer through the
// connection the request came in on (msg.replyTo.responder names it), wherever it sits in the flows.
import type { Lease } from '../../client/lease';
import type { Responder } from '../../rpc';

export interface ResponderEntry {
  lease: Lease;
  responder: Responder;
}

const responders = new Map<string, ResponderEntry>();

export function registerResponder(id: string, entry: ResponderEntry): void {
  responders.set(id, entry);
}

/** Forgets `id` only if it still maps to `entry` (a redeployed node's new instance may have taken over). */
export function unregisterResponder(id: string, entry: ResponderEntry): void {
  if (responders.get(id) === entry) responders.delete(id);
}

export function responderFor(id: unknown): ResponderEntry | undefined {
  return typeof id === 'string' ? responders.get(id) : undefined;
}
