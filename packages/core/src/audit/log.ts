import type { AuditEvent } from './event';

const COLUMNS = ['seq', 'time', 'actor', 'action', 'subject', 'commit', 'run'] as const;

/** The events as an aligned table for a terminal or a log (`mcp audit log`). */
export function formatAuditLog(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'no audit events yet';
  const rows = events.map((e) =>
    [String(e.seq), e.time, e.actor, e.action, e.subject, e.commit?.slice(0, 12) ?? '-', e.runUrl ?? '-'].map(
      plain,
    ),
  );
  const table = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => table.reduce((width, row) => Math.max(width, row[i]?.length ?? 0), 0));
  return table
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padStart(widths[0] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Event fields are user text: no line breaks or terminal escapes in a table cell. */
function plain(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}
