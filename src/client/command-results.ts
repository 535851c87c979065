// The driver's commands as the session sees them: the handle each command carries through the session
// (settled by its complete/fail effect; an abort signal on a publish withdraws it), and the session's
// CommandResult mapped to what publish / subscribe / unsubscribe resolve with.
import type { QoS, SubackPacket, UnsubackPacket } from '../codec/types';
import type { CommandResult } from '../session';
import type { PublishResult } from './types';

export interface Handle {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
}

/** A handle that settles a promise with `map(result)` (a mapping that throws rejects it). */
export function commandHandle<T>(settle: { resolve(value: T): void; reject(error: Error): void; map(r: CommandResult): T }): Handle {
  return {
    resolve: (r) => {
      try {
        settle.resolve(settle.map(r));
      } catch (err) {
        settle.reject(err as Error);
      }
    },
    reject: settle.reject,
  };
}

/** Aborting `signal` calls `withdraw()` (the session takes the publish back); the listener goes when the handle settles. */
export function withdrawOnAbort(handle: Handle, abort: { signal: AbortSignal; withdraw(): void }): void {
  const { signal } = abort;
  const onAbort = (): void => abort.withdraw();
  signal.addEventListener('abort', onAbort, { once: true });
  const { resolve, reject } = handle;
  handle.resolve = (r) => {
    signal.removeEventListener('abort', onAbort);
    resolve(r);
  };
  handle.reject = (e) => {
    signal.removeEventListener('abort', onAbort);
    reject(e);
  };
}

/** A completed publish, sent with `qos`. */
export function toPublishResult(r: CommandResult, qos: QoS): PublishResult {
  if (r.kind !== 'published') throw new Error(`unexpected result ${r.kind}`);
  const result: PublishResult = { qos, reasonCode: r.reasonCode };
  if (r.properties?.reasonString !== undefined) result.reasonString = r.properties.reasonString;
  if (r.properties?.userProperties !== undefined) result.userProperties = r.properties.userProperties;
  return result;
}

export function toSuback(r: CommandResult): SubackPacket {
  if (r.kind !== 'subscribed') throw new Error(`unexpected result ${r.kind}`);
  const suback: SubackPacket = { type: 'suback', packetId: 0, reasonCodes: r.reasonCodes };
  if (r.properties) suback.properties = r.properties;
  return suback;
}

export function toUnsuback(r: CommandResult): UnsubackPacket {
  if (r.kind !== 'unsubscribed') throw new Error(`unexpected result ${r.kind}`);
  const unsuback: UnsubackPacket = { type: 'unsuback', packetId: 0 };
  if (r.reasonCodes) unsuback.reasonCodes = r.reasonCodes;
  if (r.properties) unsuback.properties = r.properties;
  return unsuback;
}
