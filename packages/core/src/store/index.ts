export { type ByteRange, MissingObject, OBJECT_NAME, type ObjectBackend, type ObjectInfo } from './backend';
export {
  type ChunkedStream,
  type ChunkingOptions,
  type ChunkRef,
  chunkingOptions,
  DEFAULT_CHUNKING,
} from './cdc';
export { mapLimit } from './concurrency';
export {
  type AddProgress,
  type AddResult,
  ContentStore,
  type ContentStoreOptions,
} from './content-store';
export { type GitHubClient, GitHubReleaseBackend, type GitHubReleaseBackendOptions } from './github-release';
export { GitLabPackageBackend, type GitLabPackageBackendOptions } from './gitlab-package';
export {
  type FileDigest,
  type HashOptions,
  type HashProgress,
  hashFiles,
  normalMode,
  STAT_CACHE_FILE,
} from './hash';
export { LocalDirectoryBackend, type LocalDirectoryOptions } from './local';
export { DEFAULT_PACK_SIZE } from './pack';
export { confinePath, datasetPath, resolveInside } from './paths';
export { WorkerPool } from './pool';
export {
  CorruptContent,
  LocalChunks,
  MissingContent,
  type ReadProgress,
  type ReadResult,
  type StoredFile,
} from './read';
export { RACY_MS } from './stat-cache';
