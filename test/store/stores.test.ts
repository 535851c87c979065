// Runs the shared SessionStore contract against the memory store and the file store (each fsync policy).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type FileStoreOptions } from '../../src/store/file-store';
import { MemorySessionData, MemoryStore } from '../../src/store/memory-store';
import type { SessionStore } from '../../src/store/types';
import { storeContract, type StoreFactory } from './contract';

function memoryFactory(): StoreFactory {
  const data = new WeakMap<SessionStore, MemorySessionData>();
  return {
    async open(limits) {
      const d = new MemorySessionData();
      const s = new MemoryStore({ limits, data: d });
      data.set(s, d);
      return s;
    },
    async reopen(store, limits) {
      await store.close();
      const d = data.get(store)!;
      const s = new MemoryStore({ limits, data: d });
      data.set(s, d);
      return s;
    },
  };
}

function fileFactory(options: FileStoreOptions): StoreFactory {
  let dir: string | undefined;
  let n = 0;
  const paths = new WeakMap<SessionStore, string>();
  return {
    async open(limits) {
      dir ??= await mkdtemp(join(tmpdir(), 'mqkit-store-'));
      const path = join(dir, `s${n++}.log`);
      const s = await FileStore.open(path, { ...options, limits });
      paths.set(s, path);
      return s;
    },
    async reopen(store, limits) {
      await store.close();
      const path = paths.get(store)!;
      const s = await FileStore.open(path, { ...options, limits });
      paths.set(s, path);
      return s;
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

storeContract('MemoryStore', memoryFactory());
storeContract('FileStore (fsync batch)', fileFactory({ fsync: 'batch' }));
storeContract('FileStore (fsync always)', fileFactory({ fsync: 'always' }));
storeContract('FileStore (fsync none, compaction on every write)', fileFactory({ fsync: 'none', compaction: { minBytes: 0, ratio: 1 } }));
