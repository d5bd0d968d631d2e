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
export { checkRecordPath, redact, refuseSecrets } from './guard';
export { type HistoryQuery, type MetaCommit, MetaView } from './view';
