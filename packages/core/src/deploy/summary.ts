import { escapeMarkdown, table } from '../markdown';
import type { Deployment, Measurement, StepRecord } from './record';

/** The deployment as the job summary and the report file show it. */
export interface DeploymentReport {
  deployment: Deployment;
  /** The deployment on GitHub/GitLab, when it was recorded there. */
  hostUrl?: string;
  /** The stage assigned on promotion, e.g. `production`. */
  promotedStage?: string;
}

const OUTCOME = { promoted: 'promoted', 'rolled-back': 'rolled back', failed: 'FAILED' } as const;
const VERDICT = {
  passed: 'passed',
  failed: 'failed',
  interrupted: 'interrupted',
  'not-reached': 'not reached',
};
// A few charts say enough; every value is in the record on mcp-meta.
const MAX_CHARTS = 6;

export function renderDeploymentReport(report: DeploymentReport): string {
  const d = report.deployment;
  const what =
    d.kind === 'rollback'
      ? `Rollback of ${code(d.environment)} to ${code(`${d.model}@${d.version}`)}`
      : `Canary ${code(`${d.model}@${d.version}`)} in ${code(d.environment)}`;
  const lines = [
    `### ${what}: ${OUTCOME[d.outcome]}`,
    '',
    `${escapeMarkdown(d.outcomeReason)}`,
    '',
    [
      `deployment ${code(d.id)}`,
      `stable before: ${d.stableVersion ? code(d.stableVersion) : 'none'}`,
      `serving after: ${d.stableAfter ? code(d.stableAfter) : 'none'}`,
      `by ${escapeMarkdown(d.actor)}`,
      formatDuration(Date.parse(d.finishedAt) - Date.parse(d.startedAt)),
    ].join(' · '),
  ];
  if (d.reason) lines.push('', `Reason: ${escapeMarkdown(d.reason)}`);
  if (report.promotedStage)
    lines.push('', `Stage ${code(report.promotedStage)} assigned to ${code(d.version)}.`);
  if (report.hostUrl) lines.push('', `[Deployment on the host](${report.hostUrl})`);
  for (const interruption of d.interruptions) {
    lines.push(
      '',
      `Taken over from an interrupted run at ${time(interruption.at)} (${interruption.action}).`,
    );
  }
  lines.push('', '#### Timeline', '', timeline(d));
  const charts = seriesCharts(d);
  if (charts.length > 0) lines.push('', '#### Measurements', '', ...charts);
  return `${lines.join('\n')}\n`;
}

function timeline(d: Deployment): string {
  const rows = d.steps.map((step, i) => [
    `${i + 1}`,
    `${step.weight}%`,
    escapeMarkdown(measurements(step)),
    escapeMarkdown(
      step.reason && step.verdict !== 'passed'
        ? `${VERDICT[step.verdict]}: ${step.reason}`
        : VERDICT[step.verdict],
    ),
    step.startedAt
      ? `${time(step.startedAt)}${step.finishedAt ? ` (${formatDuration(Date.parse(step.finishedAt) - Date.parse(step.startedAt))})` : ''}`
      : '',
  ]);
  // Changes outside a step: the abort to 0%, the handling of an interrupted run.
  for (const change of d.weights.filter((w) => w.step === null)) {
    rows.push([
      '',
      `${change.weight}%`,
      '',
      escapeMarkdown(
        change.ok ? 'traffic back on the stable version' : `setting the weight failed: ${change.error ?? ''}`,
      ),
      time(change.at),
    ]);
  }
  return table(
    ['step', 'weight', 'measurements', 'verdict', 'time'],
    ['right', 'right', 'left', 'left', 'left'],
    rows,
  );
}

/** `2 success, 1 failure; last: failure condition holds: …` and the hooks' exits. */
function measurements(step: StepRecord): string {
  const parts: string[] = [];
  if (step.measurements.length > 0) {
    const counts = new Map<string, number>();
    for (const m of step.measurements) counts.set(m.result, (counts.get(m.result) ?? 0) + 1);
    const last = step.measurements.at(-1) as Measurement;
    parts.push(`${[...counts].map(([result, n]) => `${n} ${result}`).join(', ')}; last: ${last.reason}`);
  } else if (step.count === 0 && step.pauseMs > 0) {
    parts.push(`baked ${formatDuration(step.pauseMs)}`);
  }
  for (const hook of step.hooks) parts.push(`${hook.hook} exit ${hook.exitCode}`);
  return parts.join('; ');
}

interface Series {
  name: string;
  canary: (number | undefined)[];
  stable: (number | undefined)[];
}

/**
 * One chart per measured value: the canary as bars, the stable version as a line, one point per
 * measurement (xychart-beta draws no legend, so the title says which is which). Values computed
 * by a condition's function (psi, agreement) are charted from the checks.
 */
function seriesCharts(d: Deployment): string[] {
  const measured = d.steps.flatMap((s) => s.measurements.map((m) => ({ weight: s.weight, m })));
  if (measured.length === 0) return [];
  const series = new Map<string, Series>();
  const put = (name: string, side: 'canary' | 'stable', index: number, value: number) => {
    let entry = series.get(name);
    if (!entry) {
      entry = { name, canary: measured.map(() => undefined), stable: measured.map(() => undefined) };
      series.set(name, entry);
    }
    entry[side][index] = value;
  };
  measured.forEach(({ m }, i) => {
    for (const side of ['canary', 'stable'] as const) {
      for (const [name, value] of numbers(m.values?.[side] ?? {})) put(name, side, i, value);
    }
    for (const c of [...m.success, ...m.failure]) {
      const left = /^((?:psi|agreement)\(.*\))\s*(?:<=|>=|<|>|==)\s/.exec(c.condition)?.[1];
      if (left && c.left !== undefined) put(left, 'canary', i, c.left);
    }
  });
  const labels = measured.map(({ weight, m }) => `${weight}% #${m.n}`);
  // The values the conditions judge come first; other numbers the source gave only if none are.
  const judged = new Set<string>();
  for (const condition of [...(d.steps[0]?.success ?? []), ...(d.steps[0]?.failure ?? [])]) {
    for (const [, name] of condition.matchAll(/\b(?:canary|stable)\.([A-Za-z_][\w.]*)/g))
      judged.add(name as string);
  }
  return [...series.values()]
    .filter((s) => judged.size === 0 || judged.has(s.name) || /^(psi|agreement)\(/.test(s.name))
    .filter((s) => s.canary.some((v) => v !== undefined))
    .slice(0, MAX_CHARTS)
    .map((s) => xyChart(s, labels));
}

/** Top-level numbers and numbers one level down (`latency.p95`). */
function numbers(values: Record<string, unknown>): [string, number][] {
  const out: [string, number][] = [];
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number' && Number.isFinite(value)) out.push([key, value]);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value)) {
        if (typeof v === 'number' && Number.isFinite(v) && inner !== 'items' && inner !== 'entries') {
          out.push([`${key}.${inner}`, v]);
        }
      }
    }
  }
  return out;
}

function xyChart(s: Series, labels: string[]): string {
  // A gap has no point in xychart-beta; the previous value stands in, or 0 before any.
  const fill = (values: (number | undefined)[]) => {
    let last = 0;
    return values.map((v) => {
      if (v !== undefined) last = v;
      return Number(last.toPrecision(6));
    });
  };
  const canary = fill(s.canary);
  const hasStable = s.stable.some((v) => v !== undefined);
  const stable = fill(s.stable);
  const top = Math.max(...canary, ...(hasStable ? stable : []), 0);
  const bottom = Math.min(...canary, ...(hasStable ? stable : []), 0);
  const title = `${s.name}: canary (bars)${hasStable ? ', stable (line)' : ''}`;
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${quote(title)}`,
    `  x-axis [${labels.map(quote).join(', ')}]`,
    `  y-axis ${quote(s.name)} ${Number(bottom.toPrecision(4))} --> ${Number((top === bottom ? top + 1 : top * 1.1).toPrecision(4))}`,
    `  bar [${canary.join(', ')}]`,
    ...(hasStable ? [`  line [${stable.join(', ')}]`] : []),
    '```',
  ].join('\n');
}

/** Mermaid takes a quoted label as it is: quotes, backticks and line breaks must not reach it. */
function quote(text: string): string {
  return `"${text.replace(/["`\\\r\n]/g, "'").slice(0, 100)}"`;
}

function code(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

function time(iso: string): string {
  return iso.slice(11, 19);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One line for the log and the step's error: what happened, where it stands now. */
export function outcomeLine(d: Deployment): string {
  const subject =
    d.kind === 'rollback'
      ? `rollback of ${d.environment} to ${d.version}`
      : `${d.model}@${d.version} in ${d.environment}`;
  const after =
    d.outcome === 'failed'
      ? 'traffic may not be where it should: check the router'
      : `${d.stableAfter ?? 'nothing'} serves all traffic`;
  return `${d.id}: ${subject} ${OUTCOME[d.outcome]}: ${d.outcomeReason}; ${after}`;
}
