// Public surface of the store layer: the session store interface, the memory and file stores, and the
// generic crash-safe record log (also used by the broker for retained messages and sessions).
export type { OutgoingRecord, OutgoingStage, SessionStore, StoredSession, StoreLimits } from './types';
export { DEFAULT_STORE_LIMITS, recordBytes } from './types';
export { MemoryStore, MemorySessionData, type MemoryStoreOptions } from './memory-store';
export { FileStore, sessionStorePath, type FileStoreOptions } from './file-store';
export {
  RecordLog, LogFormatError, LogUnavailableError, fsyncDirectory,
  type FsyncPolicy, type CompactionOptions, type RecordLogOptions, type RecordLogStats, type LogOp,
} from './log';
export { crc32 } from './crc32';
