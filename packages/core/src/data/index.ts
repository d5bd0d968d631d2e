export {
  type DataDiff,
  diffFiles,
  diffMarkdown,
  diffOutput,
  diffText,
  type TableDiff,
  tableLines,
} from './diff';
export { collectFiles, countRows, type DataSource, globRegExp, realWorkspace, walk } from './files';
export { ChunkLists, type Materialized, materialize, withChunks } from './materialize';
export { type OpenedStore, openMeta, openStore } from './open';
export {
  DataProfiles,
  FileProfile,
  type ProfileLog,
  profileFiles,
  readDataProfiles,
} from './profiles';
export { pullDataAction } from './pull-data';
export {
  checkDatasetName,
  DataFile,
  DataPointer,
  DataVersion,
  dataVersionPath,
  findDataVersion,
  latestDataVersion,
  manifestDigest,
  pointerFileName,
  readDataVersion,
  versionNumbers,
} from './record';
export {
  type PullDataInput,
  type PullDataOutput,
  pullDataSpec,
  type VersionDataInput,
  type VersionDataOutput,
  versionDataSpec,
} from './spec';
export { versionDataAction } from './version-data';
