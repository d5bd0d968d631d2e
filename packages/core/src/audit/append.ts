import { McpError } from '../errors';
import type { MetaBranch, MetaView, MetaWrite, Transaction, TransactResult } from '../meta';
import {
  AUDIT_DIR,
  AUDIT_TRAILER,
  AuditEvent,
  auditEventPath,
  canonicalJson,
  eventDigest,
  formatEvent,
  issuesOf,
  type JsonValue,
  seqOfName,
  sha256,
} from './event';

/** Who writes, from where: the same for every write of one job. */
export interface AuditContext {
  actor: string;
  /** The code commit the job runs on; null in a repository without commits. */
  commit: string | null;
  runUrl: string | null;
  now?: () => Date;
}

export interface AuditedWrite extends MetaWrite {
  action: string;
  subject: string;
  /** Small JSON about the write (at most 4 KiB); `records` is filled in with the files' digests. */
  data?: Record<string, JsonValue>;
}

export type AuditedTransaction = (view: MetaView) => Promise<AuditedWrite | undefined>;

export interface AuditedResult extends TransactResult {
  /** The event appended; undefined when there was nothing new to write. */
  event: AuditEvent | undefined;
}

const MAX_DATA = 4096;

/**
 * Wraps a transaction so that its commit also appends the next audit event, linked to the
 * latest event on the tip it runs against. A retry re-runs this against the new tip, so a writer
 * that lost a race re-links: the chain stays linear, without gaps or duplicates.
 */
export function audited(
  context: AuditContext,
  transaction: AuditedTransaction,
  onEvent: (event: AuditEvent | undefined) => void = () => {},
): Transaction {
  return async (view) => {
    onEvent(undefined);
    const write = await transaction(view);
    if (!write) return undefined;
    const entries = Object.entries(write.files);
    const intruder = entries.find(([path]) => path.startsWith(`${AUDIT_DIR}/`));
    if (intruder) throw new McpError(`${intruder[0]}: ${AUDIT_DIR}/ is written by the audit log only`);
    // Both reads are inside the race window (fetch to push): run them side by side.
    const [existing, last] = await Promise.all([
      view.readMany(entries.map(([path]) => path)),
      latestEvent(view),
    ]);
    // A changed record is refused by MetaBranch with its own error; leave that to it.
    if (entries.some(([path, content]) => ![undefined, content].includes(existing.get(path)))) return write;
    const fresh = entries.filter(([path]) => existing.get(path) === undefined);
    if (fresh.length === 0) return undefined;

    if (canonicalJson(write.data ?? {}).length > MAX_DATA) {
      throw new McpError(
        `audit data of ${write.action} ${write.subject} is over ${MAX_DATA} bytes; keep it small`,
      );
    }
    const parsed = AuditEvent.safeParse({
      schemaVersion: 1,
      seq: (last?.seq ?? 0) + 1,
      actor: context.actor,
      action: write.action,
      subject: write.subject,
      time: (context.now?.() ?? new Date()).toISOString(),
      commit: context.commit,
      runUrl: context.runUrl,
      data: { ...write.data, records: Object.fromEntries(fresh.map(([p, c]) => [p, sha256(c)])) },
      previous: last?.digest ?? null,
    });
    if (!parsed.success) throw new McpError(`invalid audit event: ${issuesOf(parsed.error)}`);
    const event = parsed.data;
    onEvent(event);
    return {
      files: { ...write.files, [auditEventPath(event.seq)]: formatEvent(event) },
      message: `${write.message.trim()}\n\n${AUDIT_TRAILER}: ${event.seq} ${eventDigest(event)}`,
    };
  };
}

/** `meta.transact` with an audit event in the same commit: the way every action writes. */
export async function appendWithAudit(
  meta: MetaBranch,
  context: AuditContext,
  transaction: AuditedTransaction,
): Promise<AuditedResult> {
  let event: AuditEvent | undefined;
  const result = await meta.transact(
    audited(context, transaction, (e) => {
      event = e;
    }),
  );
  const written = result.written.filter((path) => !path.startsWith(`${AUDIT_DIR}/`));
  return { ...result, written, event: written.length > 0 ? event : undefined };
}

/**
 * The newest event on the tip and its digest. Only its seq is trusted here (a later schema may
 * have written it); a broken chain elsewhere is `verifyAudit`'s to report, not a reason to stop.
 */
async function latestEvent(view: MetaView): Promise<{ seq: number; digest: string } | undefined> {
  let newest: { seq: number; name: string } | undefined;
  for (const name of await view.list(AUDIT_DIR)) {
    const seq = seqOfName(name);
    if (seq !== undefined && (!newest || seq > newest.seq)) newest = { seq, name };
  }
  if (!newest) return undefined;
  const path = `${AUDIT_DIR}/${newest.name}`;
  let value: unknown;
  try {
    value = JSON.parse((await view.read(path)) ?? '');
  } catch {
    throw new McpError(`the latest audit event ${path} is not JSON; run \`mcp audit verify\``);
  }
  if ((value as { seq?: unknown } | null)?.seq !== newest.seq) {
    throw new McpError(
      `the latest audit event ${path} does not hold seq ${newest.seq}; run \`mcp audit verify\``,
    );
  }
  return { seq: newest.seq, digest: eventDigest(value) };
}
