export { registerModelAction, registerModelStep } from './action';
export { type ModelCardInput, renderModelCard } from './card';
export {
  checkLookupName,
  checkModelName,
  checkStageName,
  formatTag,
  isGtoName,
  type ParsedTag,
  parseTag,
  type TagKind,
} from './grammar';
export {
  checkStagePermission,
  DEFAULT_PROTECTED_STAGES,
  PROTECTED_STAGE_ROLE,
  parseProtectedStages,
  StageNotAllowed,
  type StagePermission,
  type StagePermissionRequest,
} from './permission';
export {
  formatModelVersion,
  type ModelData,
  ModelData as ModelDataSchema,
  ModelFile,
  ModelVersion,
  modelDigest,
  modelVersionPath,
  type RecordResult,
  readModelVersion,
  readModelVersions,
  recordModelVersion,
} from './record';
export { type RegisteredModel, type RegisterModelOptions, registerModel } from './register';
export {
  assetNames,
  type LocalModelFile,
  type PublishedRelease,
  type PublishOptions,
  publishModelRelease,
  type ReleasedFile,
} from './release';
export {
  type Bump,
  bumpSemver,
  checkBump,
  checkSemver,
  compareSemver,
  FIRST_VERSION,
  formatSemver,
  parseSemver,
  type SemVer,
} from './semver';
export {
  describeModel,
  formatHistory,
  formatModel,
  formatModels,
  listModels,
  type ModelDescription,
  type ModelSummary,
  type TableFormat,
  type VersionRow,
} from './show';
export { bestRun, filesFromPaths, filesFromRun, type ModelSource, modelOutputs, runById } from './sources';
export { type RegisterModelInput, type RegisterModelOutput, registerModelSpec } from './spec';
export {
  buildRegistry,
  type ModelState,
  type RegistryEvent,
  type RegistryEventKind,
  type StageState,
  TRAILER,
  type VersionState,
} from './state';
export {
  committerIdentity,
  type Identity,
  RegistryError,
  RegistryGit,
  type RegistryGitOptions,
  type TagRecord,
} from './tags';
export {
  assignStage,
  deprecateModel,
  deregisterVersion,
  nextCounter,
  type RegisterOptions,
  registerVersion,
  type StageOptions,
  type TagWritten,
  unassignStage,
} from './write';
