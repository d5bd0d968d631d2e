import { details, escapeMarkdown, formatBytes, table } from '../markdown';
import type { RunRecord } from '../train/record';
import { flattenParams } from '../train/summary';
import type { ModelVersion } from './record';
import type { ReleasedFile } from './release';

/** Rows of one table before the rest is only counted. */
const MAX_ROWS = 100;

export interface ModelCardInput {
  record: ModelVersion;
  /** The training run the files came from, when registered from one. */
  run?: RunRecord;
  files: readonly ReleasedFile[];
  /** The lineage graph as a Mermaid block (`formatLineageMermaid`). */
  lineage?: string;
  /** The host's environment when there is no run to tell it. */
  environment?: { os: string; arch: string; versions: Record<string, string> };
}

const code = (text: string) => `<code>${escapeMarkdown(text)}</code>`;
const link = (text: string, url: string | null | undefined) =>
  url && /^https?:\/\//.test(url) ? `[${escapeMarkdown(text)}](${encodeURI(url)})` : escapeMarkdown(text);

/**
 * The model card: the release notes of a version and its job summary. Everything a reviewer asks
 * before deploying a model — its metrics, how it was trained (params, data versions, lineage, the
 * run), which exact files (digests) and where it ran — with every user-controlled text escaped.
 */
export function renderModelCard(input: ModelCardInput): string {
  const { record, run } = input;
  const lines: string[] = [`## ${escapeMarkdown(record.name)} v${escapeMarkdown(record.semver)}`, ''];
  if (record.description) lines.push(escapeMarkdown(record.description), '');
  if (record.labels.length > 0) lines.push(`Labels: ${record.labels.map(code).join(' ')}`, '');

  const facts: [string, string][] = [
    ['tag', code(record.tag)],
    ['model digest', code(`sha256:${record.digest}`)],
    ['commit', code(record.commit.slice(0, 12))],
    [
      'registered',
      `${escapeMarkdown(record.createdAt)}${record.actor ? ` by ${escapeMarkdown(record.actor)}` : ''}`,
    ],
  ];
  if (record.runId)
    facts.push([
      'training run',
      `${code(record.runId)}${run?.runUrl ? ` (${link('CI run', run.runUrl)})` : ''}`,
    ]);
  if (run?.cachedFrom) facts.push(['outputs restored from', code(run.cachedFrom)]);
  if (record.runUrl) facts.push(['registered in', link('CI run', record.runUrl)]);
  lines.push(table(['', ''], ['left', 'left'], facts), '');

  const section = (title: string, header: string[], align: ('left' | 'right')[], rows: string[][]) => {
    if (rows.length === 0) return;
    const shown = rows.slice(0, MAX_ROWS);
    const more = rows.length > MAX_ROWS ? `\n\nand ${rows.length - MAX_ROWS} more` : '';
    const body = `${table(header, align, shown)}${more}`;
    lines.push(`### ${title}`, '', rows.length > 20 ? details(`${rows.length} rows`, body) : body, '');
  };

  section(
    'Metrics',
    ['metric', 'value'],
    ['left', 'right'],
    Object.entries(record.metrics)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => [escapeMarkdown(name), String(Number(value.toPrecision(6)))]),
  );
  section(
    'Parameters',
    ['param', 'value'],
    ['left', 'left'],
    flattenParams(run?.params ?? {}).map(([name, value]) => [escapeMarkdown(name), code(value)]),
  );
  section(
    'Data',
    ['data', 'version', 'digest'],
    ['left', 'right', 'left'],
    record.data.map((d) => [escapeMarkdown(d.name), `v${d.number}`, code(`sha256:${d.digest.slice(0, 12)}`)]),
  );
  if (input.lineage) lines.push('### Lineage', '', input.lineage, '');

  section(
    'Files',
    ['file', 'size', 'sha256', 'download'],
    ['left', 'right', 'left', 'left'],
    input.files.map((f) => [
      code(f.path),
      formatBytes(f.size),
      code(f.sha256),
      f.parts
        ? `${f.parts.length} part${f.parts.length === 1 ? '' : 's'}: ${f.parts.map((p) => link(p.name, p.url)).join(', ')}`
        : f.url
          ? link(f.name, f.url)
          : '—',
    ]),
  );
  if (input.files.some((f) => f.parts)) {
    lines.push(
      'A file past the release asset size limit is split into parts: concatenate them in order (`cat name.part-* > name`) and check its sha256.',
      '',
    );
  }

  const env = run?.environment;
  const environment: [string, string][] = env
    ? [
        ['os', escapeMarkdown(`${env.os} (${env.arch})`)],
        ['cpu', escapeMarkdown(`${env.cpuCount} × ${env.cpus}`)],
        ['memory', formatBytes(env.memoryBytes)],
        ['gpu', escapeMarkdown(env.gpus.join(', ') || 'none')],
        ...Object.entries(env.versions).map(([tool, version]): [string, string] => [
          escapeMarkdown(tool),
          code(version),
        ]),
        ...Object.entries(env.locks).map(([file, digest]): [string, string] => [
          escapeMarkdown(file),
          code(`sha256:${digest.slice(0, 12)}`),
        ]),
      ]
    : input.environment
      ? [
          ['os', escapeMarkdown(`${input.environment.os} (${input.environment.arch})`)],
          ...Object.entries(input.environment.versions).map(([tool, version]): [string, string] => [
            escapeMarkdown(tool),
            code(version),
          ]),
        ]
      : [];
  section(env ? 'Training environment' : 'Environment', ['', ''], ['left', 'left'], environment);

  lines.push(
    `<sub>Registered by mcp as the git tag ${code(record.tag)} (GTO's format: \`gto show ${escapeMarkdown(record.name)}\` reads it); the record is ${code(`models/${record.name}/v${record.semver}.json`)} on the mcp-meta branch.</sub>`,
  );
  return lines.join('\n');
}
