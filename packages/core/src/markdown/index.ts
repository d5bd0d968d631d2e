/**
 * Markdown that reaches a PR/MR comment carries user-controlled text (metric names, paths,
 * titles). Escape it so it cannot break a table, inject HTML, or @-mention people.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
}

/** A GitHub-flavoured markdown table; cells must already be escaped. */
export function table(header: string[], align: ('left' | 'right')[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = align.map((a) => (a === 'right' ? '--:' : ':--'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** A hidden marker that finds a sticky comment again; safe for any title. */
export function commentMarker(kind: string, title: string): string {
  return `<!-- mcp:${kind}:${encodeURIComponent(title)} -->`;
}

/** `1.5 MiB`, `312 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
