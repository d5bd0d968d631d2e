import { createHash } from 'node:crypto';
import { z } from 'zod';

export const AUDIT_DIR = 'audit';

/** Zero-padded so that the host's file list shows events in order. */
const SEQ_WIDTH = 8;

/** Commit trailer naming the event a write appended: lets `verifyAudit` notice a removed or edited last event. */
export const AUDIT_TRAILER = 'Mcp-Audit-Event';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

/**
 * One write to mcp-meta: who did what to which subject, from which code commit and CI run.
 * `previous` is the digest of the event before (its canonical JSON), so events form a chain in
 * which an edited, removed or reordered event breaks a link.
 */
export const AuditEvent = z.strictObject({
  schemaVersion: z.literal(1),
  seq: z.int().positive(),
  actor: z.string().min(1),
  /** The action that wrote: `version-data`, `train`, … */
  action: z.string().min(1),
  /** What it wrote about: `iris@3`, a run id, `churn@v1.2.0`. */
  subject: z.string().min(1),
  time: z.iso.datetime(),
  /** The code commit the job ran on; null in a repository without commits yet. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit id')
    .nullable(),
  runUrl: z.url().nullable(),
  /** Small JSON about the write; `records` maps each record path written to its SHA-256. */
  data: z.record(z.string(), z.json()),
  previous: sha256Hex.nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const RecordDigests = z.record(z.string(), sha256Hex);

/** JSON with keys sorted at every level and no whitespace: one text per value, to hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object)
      .filter((k) => object[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The digest the next event links to: over the parsed JSON, so re-indenting a file breaks nothing. */
export function eventDigest(event: unknown): string {
  return sha256(canonicalJson(event));
}

export function auditEventPath(seq: number): string {
  return `${AUDIT_DIR}/${String(seq).padStart(SEQ_WIDTH, '0')}.json`;
}

/** The seq an event file's name claims, or undefined for a name that is not an event's. */
export function seqOfName(name: string): number | undefined {
  const match = /^(\d+)\.json$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** A schema failure as one line: `actor: Too small …; runUrl: Invalid URL`. */
export function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
}

/** Pretty, in field order: the file is read in the host's UI. */
export function formatEvent(event: AuditEvent): string {
  return `${JSON.stringify(event, null, 2)}\n`;
}
