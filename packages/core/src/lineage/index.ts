// The run records' readers, for callers that rank and trace runs (the CLI).

export { formatBytes } from '../markdown';
export {
  checkRunName,
  findRun,
  isRunId,
  listRuns,
  RunRecord,
  runNames,
  runRecordPath,
} from '../train/record';
export {
  formatLineageMermaid,
  formatLineageText,
  LineageBuilder,
  type LineageGraph,
  type LineageKind,
  type LineageNode,
} from './graph';
export { lineageOf } from './lineage';
export { type BestRunQuery, type BestRunResult, type RankedRun, rankRuns, reportedMetrics } from './runs';
