import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { InputError } from '../errors';
import { existsAtRef, readAtRef, resolveBaseRef, streamAtRef } from '../git';
import { commentMarker } from '../markdown';
import {
  computeMetrics,
  loadMetricsFile,
  type Metrics,
  type PredictionSet,
  pairedBootstrap,
  parseMetrics,
  parseRules,
  type Rule,
  readPredictions,
  shorthandRule,
  type Task,
} from '../metrics';
import { type Platform, writeFileAtomic } from '../platform';
import { evaluate, type Replicates } from './evaluate';
import { readReportMeta, renderReport, renderText } from './report';
import { type ValidateMetricsInput, type ValidateMetricsOutput, validateMetricsSpec } from './spec';

type Inputs = Record<ValidateMetricsInput, string>;
type Result = ActionResult<ValidateMetricsOutput>;

export const validateMetricsAction = defineAction({
  spec: validateMetricsSpec,
  async run(platform, inputs): Promise<Result> {
    if (inputs.report) return postStoredReport(platform, inputs);
    return judge(platform, inputs);
  },
});

async function judge(platform: Platform, inputs: Inputs): Promise<Result> {
  const workspace = platform.context.workspace;
  const rules = readRules(inputs);
  if (!inputs.metrics && !inputs.predictions) {
    throw new InputError(
      'metrics: give a metrics file (metrics) or a predictions CSV (predictions)',
      'metrics',
    );
  }
  const confidence = numberIn(inputs.confidence, 'confidence', 0.5, 0.999);
  const resamples = Math.round(numberIn(inputs.resamples, 'resamples', 100, 100_000));

  const candidate: Metrics = inputs.metrics
    ? await loadMetricsFile(resolve(workspace, inputs.metrics), { input: 'metrics', source: inputs.metrics })
    : new Map();
  let baselineSource: string | undefined;
  let baseline: Metrics | undefined;
  if (inputs.baseline) {
    baseline = await loadBaseline(workspace, inputs.baseline, inputs.metrics);
    baselineSource = inputs.baseline;
  } else if (inputs.metrics && platform.context.baseRef) {
    const ref = await resolveBaseRef(workspace, platform.context.baseRef);
    const text = ref ? await readAtRef(workspace, ref, inputs.metrics) : undefined;
    if (text !== undefined) {
      baseline = parseMetrics(text, {
        input: 'baseline',
        source: `${platform.context.baseRef}:${inputs.metrics}`,
      });
      baselineSource = `${platform.context.baseRef}:${inputs.metrics}`;
    } else {
      platform.info(`No baseline: ${inputs.metrics} does not exist on ${platform.context.baseRef}.`);
    }
  }

  let confusion: { labels: string[]; matrix: number[][] } | undefined;
  let replicates: Replicates | undefined;
  if (inputs.predictions) {
    const options = {
      task: (inputs.task || undefined) as Task | undefined,
      posLabel: inputs['pos-label'] || undefined,
    };
    if (inputs.predictions.startsWith('ref:')) {
      throw new InputError(
        'predictions: give a file; only baseline-predictions may be ref:<git ref>',
        'predictions',
      );
    }
    const set = await readPredictionSource(workspace, inputs.predictions, inputs.predictions, {
      ...options,
      input: 'predictions',
    });
    const computed = computeMetrics(set);
    confusion = computed.confusion;
    mergeComputed(platform, candidate, computed.metrics);
    let baseSet: PredictionSet | undefined;
    if (inputs['baseline-predictions']) {
      baseSet = await readPredictionSource(workspace, inputs['baseline-predictions'], inputs.predictions, {
        task: set.task,
        posLabel: set.posLabel,
        input: 'baseline-predictions',
      });
      baseline ??= new Map();
      baselineSource ??= inputs['baseline-predictions'];
      mergeComputed(platform, baseline, computeMetrics(baseSet).metrics);
    }
    if (baseSet || rules.some((r) => r.significant)) {
      replicates = await platform.group(
        `Bootstrap: ${resamples} paired resamples of ${set.n} rows`,
        async () =>
          pairedBootstrap(set, baseSet, { resamples, baselineInput: 'baseline-predictions' }).metrics,
      );
    }
  }
  if (candidate.size === 0)
    throw new InputError(`metrics: ${inputs.metrics} holds no numeric metric`, 'metrics');

  const verdict = evaluate({
    candidate,
    baseline,
    rules,
    requireBaseline: inputs['require-baseline'] === 'true',
    replicates,
    confidence,
  });
  const { context } = platform;
  const title = inputs.title;
  const marker = commentMarker('validate-metrics', title);
  const reportContext = {
    title,
    marker,
    meta: {
      action: 'validate-metrics' as const,
      title,
      passed: verdict.passed,
      repository: context.repository,
      change: context.change,
      sha: context.sha,
    },
    candidateSource: [inputs.metrics, inputs.predictions].filter(Boolean).join(' + '),
    baselineSource,
    bootstrap: replicates ? { resamples, confidence } : undefined,
    confusion,
    runUrl: context.runUrl,
    sha: context.sha,
  };
  const full = renderReport(verdict, reportContext, Number.POSITIVE_INFINITY);
  const reportPath = join(workspace, '.mcp', 'reports', `validate-metrics-${slug(title)}.md`);
  await writeFileAtomic(reportPath, full);

  await platform.group(`${title}: ${verdict.rows.length} metrics, ${rules.length} rules`, async () =>
    platform.info(renderText(verdict)),
  );
  await platform.appendSummary(renderReport(verdict, reportContext, platform.limits.summary - 1024));
  await comment(
    platform,
    inputs.comment,
    marker,
    renderReport(verdict, reportContext, platform.limits.comment),
  );

  const failedRules = verdict.results.filter((r) => r.status === 'fail').map((r) => r.rule.text);
  const line = `${title}: ${verdict.passed ? 'passed' : 'failed'} (${failedRules.length} of ${rules.length} rules failed)`;
  if (verdict.passed) platform.info(line);
  else if (inputs['fail-on'] === 'never') platform.warning(`${line}; fail-on is never, so the step passes`);
  else platform.error(`${line}: ${failedRules.join('; ')}`);
  const metricsJson: Record<string, number> = {};
  for (const [name, value] of candidate) metricsJson[name] = value.value;
  return {
    outputs: {
      passed: String(verdict.passed),
      report: relative(workspace, reportPath) || reportPath,
      metrics: JSON.stringify(metricsJson),
      'failed-rules': JSON.stringify(failedRules),
    },
    exitCode: verdict.passed || inputs['fail-on'] === 'never' ? 0 : 1,
  };
}

function readRules(inputs: Inputs): Rule[] {
  const rules = inputs.rules ? parseRules(inputs.rules, { input: 'rules' }) : [];
  if (inputs.metric || inputs.threshold) {
    if (!inputs.metric)
      throw new InputError('metric: threshold is given, so name the metric it applies to', 'metric');
    if (!inputs.threshold)
      throw new InputError(`threshold: give the bar ${inputs.metric} must reach`, 'threshold');
    rules.push(
      shorthandRule({ metric: inputs.metric, threshold: inputs.threshold, direction: inputs.direction }),
    );
  }
  return rules;
}

function numberIn(text: string, input: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`${input}: "${text}" is not a number from ${min} to ${max}`, input);
  }
  return value;
}

async function loadBaseline(workspace: string, baseline: string, metricsPath: string): Promise<Metrics> {
  if (!baseline.startsWith('ref:'))
    return loadMetricsFile(resolve(workspace, baseline), { input: 'baseline' });
  const ref = baseline.slice(4);
  if (!metricsPath)
    throw new InputError(
      `baseline: ${baseline} reads the metrics path from a ref, so metrics is needed`,
      'baseline',
    );
  const text = await readAtRef(workspace, ref, metricsPath);
  if (text === undefined) {
    throw new InputError(
      `baseline: ${metricsPath} does not exist at git ref "${ref}" (or the ref is unknown)`,
      'baseline',
    );
  }
  return parseMetrics(text, { input: 'baseline', source: `${ref}:${metricsPath}` });
}

/** A predictions file, or `ref:<git ref>`: the candidate's predictions path as it was at that ref. */
async function readPredictionSource(
  workspace: string,
  source: string,
  candidatePath: string,
  options: { input: string; task?: Task; posLabel?: string },
): Promise<PredictionSet> {
  if (!source.startsWith('ref:')) {
    // Messages name the file as the user wrote it, not its absolute path.
    return readPredictions({ name: source, stream: createReadStream(resolve(workspace, source)) }, options);
  }
  const ref = source.slice(4);
  if (!(await existsAtRef(workspace, ref, candidatePath))) {
    throw new InputError(
      `${options.input}: ${candidatePath} does not exist at git ref "${ref}" (or the ref is unknown)`,
      options.input,
    );
  }
  return readPredictions(
    { name: `${ref}:${candidatePath}`, stream: streamAtRef(workspace, ref, candidatePath) },
    options,
  );
}

function mergeComputed(platform: Platform, into: Metrics, computed: Record<string, number>): void {
  for (const [name, value] of Object.entries(computed)) {
    if (into.has(name))
      platform.warning(
        `${name} is both in the metrics file and computed from predictions; using the computed value`,
      );
    into.set(name, { value });
  }
}

async function comment(platform: Platform, mode: string, marker: string, body: string): Promise<void> {
  if (mode === 'never') return;
  const { change, sha } = platform.context;
  const targets = [
    ...(change !== undefined ? [{ kind: 'change' as const, number: change }] : []),
    ...(mode === 'always' && sha ? [{ kind: 'commit' as const, sha }] : []),
  ];
  for (const target of targets) {
    const result = await platform.upsertComment(target, marker, body);
    if (result.status === 'skipped') platform.warning(`Report not posted as a comment: ${result.reason}`);
    else platform.info(`Report ${result.status} as a comment${result.url ? `: ${result.url}` : ''}`);
  }
}

/** Posts a report written by an earlier run (fork PRs: from a trusted `workflow_run` job). */
async function postStoredReport(platform: Platform, inputs: Inputs): Promise<Result> {
  const path = resolve(platform.context.workspace, inputs.report);
  const markdown = await readFile(path, 'utf8').catch(() => {
    throw new InputError(`report: cannot read "${inputs.report}"`, 'report');
  });
  const meta = readReportMeta(markdown);
  if (!meta)
    throw new InputError(`report: "${inputs.report}" is not a report written by validate-metrics`, 'report');
  const number = await targetChange(platform, meta.change);
  const marker = commentMarker('validate-metrics', meta.title);
  // The report came from untrusted code: keep only what follows its own marker, under ours.
  const body = markdown.includes(marker)
    ? markdown.slice(markdown.indexOf(marker))
    : `${marker}\n${markdown}`;
  if (number === undefined) {
    platform.warning('Report not posted: no pull/merge request to post it on');
  } else {
    const limited =
      body.length > platform.limits.comment
        ? `${body.slice(0, platform.limits.comment - 60)}\n\n_Report truncated._\n`
        : body;
    const result = await platform.upsertComment({ kind: 'change', number }, marker, limited);
    if (result.status === 'skipped') platform.warning(`Report not posted as a comment: ${result.reason}`);
    else platform.info(`Report ${result.status} as a comment${result.url ? `: ${result.url}` : ''}`);
  }
  return { outputs: { passed: String(meta.passed), report: inputs.report }, exitCode: 0 };
}

/**
 * The PR to post on. In a `workflow_run` job the number in the artifact is only a claim made by
 * the PR's own (possibly hostile) code, so it must match the run's head commit.
 */
async function targetChange(platform: Platform, claimed: number | undefined): Promise<number | undefined> {
  const { workflowRun, change } = platform.context;
  if (!workflowRun) return change ?? claimed;
  if (claimed === undefined) return workflowRun.pullRequests[0];
  if (workflowRun.pullRequests.includes(claimed)) return claimed;
  const pull = await platform.getChange(claimed);
  if (pull && pull.headSha === workflowRun.headSha) return claimed;
  platform.warning(
    `The report names pull request #${claimed}, whose head is not the commit this run was for; not posting`,
  );
  return undefined;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'gate'
  );
}
