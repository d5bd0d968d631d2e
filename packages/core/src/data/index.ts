export { type DataDiff, diffFiles, diffMarkdown, diffOutput, diffText } from './diff';
export { collectFiles, countRows, type DataSource } from './files';
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
