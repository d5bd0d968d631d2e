export {
  type AuditContext,
  type AuditedResult,
  type AuditedTransaction,
  type AuditedWrite,
  appendWithAudit,
  audited,
} from './append';
export {
  AUDIT_DIR,
  AUDIT_TRAILER,
  AuditEvent,
  auditEventPath,
  canonicalJson,
  eventDigest,
  type JsonValue,
} from './event';
export { formatAuditLog } from './log';
export { type AuditBreak, type AuditVerification, readAudit, verifyAudit } from './verify';
