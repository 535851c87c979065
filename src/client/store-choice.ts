// Opens the session store the options name: memory (optionally over kept data, so a redefined
// connection resumes what the previous one queued) or a crash-safe file in a directory, one per client id.
import { mkdir } from 'node:fs/promises';
import { FileStore, MemorySessionData, MemoryStore, sessionStorePath, type SessionStore } from '../store';
import type { ConnectionOptions } from './options';

export async function openStore(options: ConnectionOptions, memoryData?: MemorySessionData): Promise<SessionStore> {
  const limits = { maxMessages: options.queue.maxMessages, maxBytes: options.queue.maxBytes };
  if (options.store.type === 'memory') return new MemoryStore({ limits, data: memoryData ?? new MemorySessionData() });
  await mkdir(options.store.path, { recursive: true });
  return FileStore.open(sessionStorePath(options.store.path, options.clientId), { limits });
}
