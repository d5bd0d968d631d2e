import type { ColumnProfile, DataProfile } from './schema';

/**
 * A profile as a plain-text table for a terminal: one row per column with its type, missing
 * share, distinct count (`~` when estimated), numeric summary and most frequent values.
 */
export function formatProfile(profile: DataProfile, label: string): string {
  const header = [
    'column',
    'type',
    'missing',
    'distinct',
    'min',
    'median',
    'mean',
    'std',
    'max',
    'top values',
  ];
  const rows = profile.columns.map((c) => {
    const n = c.numeric;
    const median = n?.quantiles.find((q) => q.q === 0.5)?.value;
    const shown = (value: number | null | undefined) =>
      value === undefined || value === null ? '' : c.type === 'datetime' ? isoDay(value) : number(value);
    return [
      c.name,
      c.type,
      `${Number((c.missingShare * 100).toPrecision(3))} %`,
      `${c.distinct.exact ? '' : '~'}${c.distinct.count}`,
      shown(n?.min),
      shown(median),
      shown(n?.mean),
      c.type === 'datetime' ? '' : shown(n?.std),
      shown(n?.max),
      topValues(c),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i >= 4 && i <= 8 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  return [
    `${label}: ${profile.format}, ${profile.rows} rows × ${profile.columns.length} columns`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

function topValues(column: ColumnProfile): string {
  return column.top.values
    .slice(0, 3)
    .map(
      (v) =>
        `${v.value.length > 20 ? `${v.value.slice(0, 19)}…` : v.value} (${Number((v.share * 100).toPrecision(2))} %)`,
    )
    .join(', ');
}

function number(value: number): string {
  return String(Number(value.toPrecision(5)));
}

function isoDay(ms: number): string {
  const text = new Date(ms).toISOString();
  return text.endsWith('T00:00:00.000Z') ? text.slice(0, 10) : text;
}
