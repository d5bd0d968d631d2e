import { McpError } from '../errors';
import { checkRecordPath, type MetaBranch, type MetaCommit, type MetaView } from '../meta';
import {
  AUDIT_DIR,
  AUDIT_TRAILER,
  AuditEvent,
  auditEventPath,
  eventDigest,
  issuesOf,
  RecordDigests,
  seqOfName,
  sha256,
} from './event';

export interface AuditBreak {
  /** The first event that does not check out. */
  seq: number;
  /** One clause naming the file and what is wrong with it. */
  problem: string;
  /** The latest commit that changed or removed a file involved, when history shows one. */
  changedBy?: MetaCommit & { path: string };
}

export interface AuditVerification {
  ok: boolean;
  /** Events that check out, from the first up to the break (all of them when ok). */
  events: number;
  tip: string | undefined;
  broken?: AuditBreak;
  /** One line for the log. */
  text: string;
}

interface EventFile {
  seq: number;
  path: string;
  value?: unknown;
  unreadable?: string;
}

/** Every event on the branch as the remote has it now, in order. Throws on an unreadable one. */
export async function readAudit(meta: MetaBranch): Promise<AuditEvent[]> {
  await meta.fetch();
  const files = await loadEvents(await meta.snapshot());
  return files.map((file) => {
    const parsed = AuditEvent.safeParse(file.value);
    if (!parsed.success) {
      throw new McpError(`${file.path} is not a valid audit event; run \`mcp audit verify\``);
    }
    return parsed.data;
  });
}

/**
 * Checks the chain as the remote has it now: seq contiguous from 1, each `previous` the digest
 * of the event before, each record an event names still as it was, and the last event the one the
 * last mcp commit appended. Names the first broken link.
 */
export async function verifyAudit(meta: MetaBranch): Promise<AuditVerification> {
  await meta.fetch();
  const view = await meta.snapshot();
  const files = await loadEvents(view);
  const broken = await firstBreak(view, files);
  if (!broken) {
    const last = AuditEvent.safeParse(files.at(-1)?.value);
    const latest = last.success
      ? `, the latest #${last.data.seq}: ${last.data.action} ${last.data.subject} by ${last.data.actor} at ${last.data.time}`
      : '';
    return {
      ok: true,
      events: files.length,
      tip: view.tip,
      text: `audit log intact: ${files.length} events${latest}`,
    };
  }
  const who = broken.changedBy;
  const hint = who
    ? `; ${who.path} was changed in ${who.commit.slice(0, 12)} by ${who.author} at ${who.time}`
    : '';
  return {
    ok: false,
    events: Math.max(0, broken.seq - 1),
    tip: view.tip,
    broken,
    text: oneLine(`audit log broken at event ${broken.seq}: ${broken.problem}${hint}`),
  };
}

/** The event files in seq order. Other names are no events: a renamed event shows as a gap. */
async function loadEvents(view: MetaView): Promise<EventFile[]> {
  const files: EventFile[] = [];
  for (const name of await view.list(AUDIT_DIR)) {
    const seq = seqOfName(name);
    if (seq !== undefined) files.push({ seq, path: `${AUDIT_DIR}/${name}` });
  }
  files.sort((a, b) => a.seq - b.seq);
  const texts = await view.readMany(files.map((f) => f.path));
  for (const file of files) {
    try {
      file.value = JSON.parse(texts.get(file.path) ?? '');
    } catch {
      file.unreadable = `${file.path} is not a JSON file`;
    }
  }
  return files;
}

async function firstBreak(view: MetaView, files: EventFile[]): Promise<AuditBreak | undefined> {
  const events = files.map((file) => AuditEvent.safeParse(file.value));
  const records = await readRecords(view, events);
  let previous: string | null = null;
  for (const [i, file] of files.entries()) {
    const seq = i + 1;
    const at = (problem: string, ...suspects: string[]) => withChange(view, { seq, problem }, suspects);
    if (file.seq > seq)
      return at(
        `${auditEventPath(seq)} is missing (the log goes on at event ${file.seq})`,
        auditEventPath(seq),
      );
    if (file.seq < seq) return at(`event ${file.seq} is there twice (${file.path})`, file.path);
    if (file.unreadable) return at(file.unreadable, file.path);
    const parsed = events[i];
    if (!parsed?.success) {
      return at(
        `${file.path} is not a valid audit event (${parsed ? issuesOf(parsed.error) : ''})`,
        file.path,
      );
    }
    const event = parsed.data;
    if (event.seq !== seq)
      return at(`${file.path} holds event ${event.seq} (renamed or reordered)`, file.path);
    if (event.previous !== previous) {
      const before = files[i - 1]?.path ?? '';
      return i === 0
        ? at(`${file.path} is the first event but links to ${short(event.previous)}`, file.path)
        : at(
            `${file.path} links to ${short(event.previous)} but event ${seq - 1} hashes to ${short(previous)} (one of them was edited)`,
            before,
            file.path,
          );
    }
    for (const [path, digest] of Object.entries(recordDigests(event))) {
      const content = records.get(path);
      if (content === undefined) return at(`${path}, recorded by ${file.path}, was removed`, path);
      if (sha256(content) !== digest) return at(`${path} changed after ${file.path} recorded it`, path);
    }
    previous = eventDigest(file.value);
  }
  return lastWrite(view, files);
}

/** The event the newest mcp commit appended must still be the last one, unchanged. */
async function lastWrite(view: MetaView, files: EventFile[]): Promise<AuditBreak | undefined> {
  const pattern = new RegExp(`^${AUDIT_TRAILER}: (\\d+) ([0-9a-f]{64})$`, 'm');
  const [marked] = await view.history({ grep: `^${AUDIT_TRAILER}: `, limit: 1 });
  const match = marked ? pattern.exec(marked.message) : null;
  if (!marked || !match) return undefined;
  const seq = Number(match[1]);
  const by = `commit ${marked.commit.slice(0, 12)}`;
  const file = files[seq - 1];
  const at = (at: number, problem: string, path: string) => withChange(view, { seq: at, problem }, [path]);
  if (!file) return at(seq, `${auditEventPath(seq)}, appended by ${by}, was removed`, auditEventPath(seq));
  if (eventDigest(file.value) !== match[2])
    return at(seq, `${file.path} changed after ${by} appended it`, file.path);
  const extra = files[seq];
  if (extra) {
    const problem = `${extra.path} was not written by mcp (the last mcp write, ${by}, appended event ${seq})`;
    return at(seq + 1, problem, extra.path);
  }
  return undefined;
}

function recordDigests(event: AuditEvent): Record<string, string> {
  const parsed = RecordDigests.safeParse(event.data.records);
  return parsed.success ? parsed.data : {};
}

/** The records every valid event names, read in one batch; paths that cannot be records are absent. */
async function readRecords(view: MetaView, events: { success: boolean; data?: AuditEvent }[]) {
  const paths = new Set<string>();
  for (const parsed of events) {
    for (const path of Object.keys(parsed.data ? recordDigests(parsed.data) : {})) {
      try {
        checkRecordPath(path);
        paths.add(path);
      } catch {}
    }
  }
  return view.readMany([...paths]);
}

/** Names who last touched one of `paths` after creating it: the likely edit. */
async function withChange(view: MetaView, broken: AuditBreak, paths: string[]): Promise<AuditBreak> {
  for (const path of paths) {
    try {
      checkRecordPath(path);
    } catch {
      continue;
    }
    const [latest, ...older] = await view.history({ path, limit: 2 });
    const gone = !(await view.exists(path));
    if (latest && (older.length > 0 || gone)) return { ...broken, changedBy: { ...latest, path } };
  }
  return broken;
}

function short(digest: string | null): string {
  return digest === null ? 'nothing' : digest.slice(0, 12);
}

/** Event fields are user text: no line breaks or terminal escapes in a log line. */
function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}
