import { escapeMarkdown, table } from '../markdown';
import type { ModelVersion } from './record';
import type { ModelState, RegistryEvent } from './state';

export type TableFormat = 'text' | 'markdown';

export interface ModelSummary {
  name: string;
  latest: string | null;
  deprecated: boolean;
  /** Stage → version. */
  stages: Record<string, string>;
}

export interface VersionRow {
  version: string;
  status: 'active' | 'deregistered' | 'unregistered';
  stages: string[];
  commit: string;
  createdAt: string;
  digest: string | null;
  runId: string | null;
  metrics: Record<string, number>;
}

export interface ModelDescription extends ModelSummary {
  versions: VersionRow[];
  warnings: string[];
}

/** `mcp models show`: every model, its latest version and who holds each stage (as `gto show`). */
export function listModels(registry: ReadonlyMap<string, ModelState>): ModelSummary[] {
  return [...registry.values()].map(summary);
}

function summary(model: ModelState): ModelSummary {
  return {
    name: model.name,
    latest: model.latest,
    deprecated: model.deprecated,
    stages: Object.fromEntries(Object.entries(model.stages).map(([stage, s]) => [stage, s.version])),
  };
}

/** `mcp models show <name>`: its versions, newest first, with stages and the records' metrics. */
export function describeModel(
  model: ModelState,
  records: ReadonlyMap<string, ModelVersion>,
): ModelDescription {
  return {
    ...summary(model),
    versions: model.versions.map((v) => {
      const record = records.get(v.version);
      return {
        version: v.version,
        status: !v.registered ? 'unregistered' : v.active ? 'active' : 'deregistered',
        stages: v.stages,
        commit: v.commit,
        createdAt: v.createdAt,
        digest: v.digest ?? record?.digest ?? null,
        runId: record?.runId ?? null,
        metrics: record?.metrics ?? {},
      };
    }),
    warnings: model.warnings,
  };
}

export function formatModels(models: readonly ModelSummary[], format: TableFormat): string {
  if (models.length === 0) return 'no models registered yet';
  const stages = [...new Set(models.flatMap((m) => Object.keys(m.stages)))].sort();
  return render(
    format,
    ['model', 'latest', ...stages.map((s) => `#${s}`)],
    models.map((m) => [
      m.deprecated ? `${m.name} (deprecated)` : m.name,
      m.latest ?? '-',
      ...stages.map((s) => m.stages[s] ?? '-'),
    ]),
  );
}

export function formatModel(model: ModelDescription, format: TableFormat): string {
  const head = `${model.name}${model.deprecated ? ' (deprecated)' : ''}: latest ${model.latest ?? '-'}`;
  const rows = model.versions.map((v) => [
    v.version,
    v.stages.join(', ') || '-',
    v.status,
    v.createdAt,
    shortId(v.commit),
    formatMetrics(v.metrics),
  ]);
  const body = render(format, ['version', 'stages', 'status', 'created', 'commit', 'metrics'], rows);
  const warnings = model.warnings.map(
    (w) => `warning: ${format === 'markdown' ? escapeMarkdown(w) : plain(w)}`,
  );
  return [format === 'markdown' ? `**${escapeMarkdown(head)}**` : plain(head), '', body, ...warnings].join(
    '\n',
  );
}

/** `mcp models history <name>`: every event, oldest first (as `gto history`). */
export function formatHistory(events: readonly RegistryEvent[], format: TableFormat): string {
  if (events.length === 0) return 'no events';
  return render(
    format,
    ['time', 'event', 'version', 'stage', 'by', 'tag'],
    events.map((e) => [
      e.time,
      e.kind,
      e.version ? shortId(e.version) : '-',
      e.stage ?? '-',
      e.tagger.name,
      e.tag,
    ]),
  );
}

/** A commit id as a version (a stage on an unregistered commit) is shortened like any commit. */
function shortId(id: string): string {
  return /^[0-9a-f]{40,64}$/.test(id) ? id.slice(0, 12) : id;
}

function formatMetrics(metrics: Record<string, number>): string {
  const entries = Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.map(([k, v]) => `${k}=${Number(v.toPrecision(6))}`).join(' ') || '-';
}

function render(format: TableFormat, header: string[], rows: string[][]): string {
  if (format === 'markdown') {
    return table(
      header,
      header.map(() => 'left'),
      rows.map((row) => row.map(escapeMarkdown)),
    );
  }
  const cells = [header, ...rows.map((row) => row.map(plain))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Tag messages and names are user text: no line breaks or terminal escapes in a cell. */
function plain(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}
