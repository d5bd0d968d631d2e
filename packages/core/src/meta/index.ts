export {
  DEFAULT_RETRY,
  MetaBranch,
  type MetaBranchOptions,
  type MetaWrite,
  type RetryPolicy,
  type Transaction,
  type TransactResult,
} from './branch';
export { MetaBranchError, RecordConflict, SecretInRecord } from './errors';
export { type GitResult, gitComplaint, runGit } from './git';
export { checkRecordPath, redact, refuseSecrets } from './guard';
export { parseRecord, readRecord } from './record';
export { type RetryHooks, retryWithBackoff, type Step } from './retry';
export { type HistoryQuery, type MetaCommit, MetaView } from './view';
