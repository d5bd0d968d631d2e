import { relative, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { InputError } from '../errors';
import {
  computeMetrics,
  loadMetricsFile,
  type Metrics,
  type PredictionSet,
  pairedBootstrap,
  parseRules,
  type Rule,
  shorthandRule,
  type Task,
} from '../metrics';
import type { Platform } from '../platform';
import { loadBaseline, readPredictionSource } from './baseline';
import { evaluate, type Replicates } from './evaluate';
import { postGateComments } from './publish';
import { renderReport, renderText, utf8Bytes } from './report';
import { toReportData } from './report-data';
import { type ValidateMetricsInput, type ValidateMetricsOutput, validateMetricsSpec } from './spec';
import { gateMarker, postStoredReports, writeReport } from './stored-report';

type Inputs = Record<ValidateMetricsInput, string>;
type Result = ActionResult<ValidateMetricsOutput>;

export const validateMetricsAction = defineAction({
  spec: validateMetricsSpec,
  async run(platform, inputs): Promise<Result> {
    if (inputs.report) {
      await postStoredReports(platform, inputs.report);
      return { outputs: { report: inputs.report }, exitCode: 0 };
    }
    return judge(platform, inputs);
  },
});

interface Candidate {
  metrics: Metrics;
  baseline?: { metrics: Metrics; source: string };
  replicates?: Replicates;
  confusion?: { labels: string[]; matrix: number[][] };
}

async function judge(platform: Platform, inputs: Inputs): Promise<Result> {
  const rules = readRules(inputs);
  if (!inputs.metrics && !inputs.predictions) {
    throw new InputError(
      'metrics: give a metrics file (metrics) or a predictions CSV (predictions)',
      'metrics',
    );
  }
  const confidence = numberIn(inputs.confidence, 'confidence', 0.5, 0.999);
  const resamples = Math.round(numberIn(inputs.resamples, 'resamples', 100, 100_000));
  const candidate = await gather(platform, inputs, rules, resamples);
  if (candidate.metrics.size === 0)
    throw new InputError(`metrics: ${inputs.metrics} holds no numeric metric`, 'metrics');

  const verdict = evaluate({
    candidate: candidate.metrics,
    baseline: candidate.baseline?.metrics,
    rules,
    requireBaseline: inputs['require-baseline'] === 'true',
    replicates: candidate.replicates,
    confidence,
  });
  const { context } = platform;
  const data = toReportData(verdict, {
    title: inputs.title,
    change: context.change,
    sha: context.sha,
    candidateSource: [inputs.metrics, inputs.predictions].filter(Boolean).join(' + '),
    baselineSource: candidate.baseline?.source,
    bootstrap: candidate.replicates ? { resamples, confidence } : undefined,
    confusion: candidate.confusion,
  });
  const reportPath = await writeReport(context.workspace, data, context.runUrl);
  const marker = gateMarker(inputs.title);
  await platform.group(`${inputs.title}: ${verdict.rows.length} metrics, ${rules.length} rules`, async () =>
    platform.info(renderText(data)),
  );
  await platform.appendSummary(
    renderReport(data, {
      marker,
      limit: platform.limits.summary - 1024,
      measure: utf8Bytes,
      runUrl: context.runUrl,
    }),
  );
  await postGateComments(
    platform,
    inputs.comment,
    marker,
    renderReport(data, { marker, limit: platform.limits.comment, runUrl: context.runUrl }),
  );

  const failedRules = verdict.results.filter((r) => r.status === 'fail').map((r) => r.rule.text);
  const line = `${inputs.title}: ${verdict.passed ? 'passed' : 'failed'} (${failedRules.length} of ${rules.length} rules failed)`;
  if (verdict.passed) platform.info(line);
  else if (inputs['fail-on'] === 'never') platform.warning(`${line}; fail-on is never, so the step passes`);
  else platform.error(`${line}: ${failedRules.join('; ')}`);
  const metricsJson: Record<string, number> = {};
  for (const [name, value] of candidate.metrics) metricsJson[name] = value.value;
  return {
    outputs: {
      passed: String(verdict.passed),
      report: relative(context.workspace, reportPath) || reportPath,
      metrics: JSON.stringify(metricsJson),
      'failed-rules': JSON.stringify(failedRules),
    },
    exitCode: verdict.passed || inputs['fail-on'] === 'never' ? 0 : 1,
  };
}

/** The candidate's metrics (file and/or predictions), the baseline's, and bootstrap replicates. */
async function gather(
  platform: Platform,
  inputs: Inputs,
  rules: Rule[],
  resamples: number,
): Promise<Candidate> {
  const workspace = platform.context.workspace;
  const metrics: Metrics = inputs.metrics
    ? await loadMetricsFile(resolve(workspace, inputs.metrics), { input: 'metrics', source: inputs.metrics })
    : new Map();
  const candidate: Candidate = {
    metrics,
    baseline: await loadBaseline(platform, inputs.baseline, inputs.metrics),
  };
  if (!inputs.predictions) return candidate;
  if (inputs.predictions.startsWith('ref:')) {
    throw new InputError(
      'predictions: give a file; only baseline-predictions may be ref:<git ref>',
      'predictions',
    );
  }
  const task = (inputs.task || undefined) as Task | undefined;
  const set = await readPredictionSource(workspace, inputs.predictions, inputs.predictions, {
    input: 'predictions',
    task,
    posLabel: inputs['pos-label'] || undefined,
  });
  const computed = computeMetrics(set);
  candidate.confusion = computed.confusion;
  mergeComputed(platform, metrics, computed.metrics);
  let baseSet: PredictionSet | undefined;
  if (inputs['baseline-predictions']) {
    baseSet = await readPredictionSource(workspace, inputs['baseline-predictions'], inputs.predictions, {
      input: 'baseline-predictions',
      task: set.task,
      posLabel: set.posLabel,
    });
    candidate.baseline ??= { metrics: new Map(), source: inputs['baseline-predictions'] };
    mergeComputed(platform, candidate.baseline.metrics, computeMetrics(baseSet).metrics);
  }
  if (baseSet || rules.some((r) => r.significant)) {
    candidate.replicates = await platform.group(
      `Bootstrap: ${resamples} paired resamples of ${set.n} rows`,
      async () => pairedBootstrap(set, baseSet, { resamples, baselineInput: 'baseline-predictions' }).metrics,
    );
  }
  return candidate;
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
  if (!text || !Number.isFinite(value) || value < min || value > max) {
    throw new InputError(`${input}: "${text}" is not a number from ${min} to ${max}`, input);
  }
  return value;
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
