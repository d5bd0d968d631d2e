export { type CacheInputs, type CacheParts, cacheKey, explainMiss, findCached } from './cache';
export { type CodeState, codeState, outputMatcher } from './code';
export {
  type Cancel,
  type CommandOptions,
  type CommandResult,
  runCommand,
  type SignalSource,
} from './command';
export { type DataRequest, dataVariable, parseDataLines } from './data';
export { captureEnvironment, LOCK_FILES, lockDigests } from './environment';
export { type Params, parseValue, readParams } from './params';
export {
  CacheEntry,
  cacheEntryPath,
  checkRunName,
  findRun,
  formatRunRecord,
  isRunId,
  listRuns,
  newRunId,
  RunData,
  RunEnvironment,
  RunOutput,
  RunRecord,
  readCacheEntry,
  readRun,
  runNames,
  runRecordPath,
} from './record';
export { parseDuration, readRequest, type TrainRequest } from './request';
export { type TrainInput, type TrainOutput, trainSpec } from './spec';
export { runMarkdown } from './summary';
export { outputDirOf, type TrainProcess, train, trainAction } from './train';
