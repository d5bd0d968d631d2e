import type { ActionSpec } from '../action';

export const validateMetricsSpec = {
  name: 'validate-metrics',
  title:
    'Metric quality gate: judge a model’s metrics against rules and a baseline, with the diff in the PR/MR comment.',
  description: 'Judges a candidate model’s metrics against rules and a baseline.',
  branding: { icon: 'check-circle', color: 'green' },
  inputs: {
    metrics: {
      description:
        'The candidate’s metrics file: JSON, YAML or CSV. Nested keys flatten with dots (test.f1); arrays of numbers (K-fold scores) are judged by their mean.',
    },
    rules: {
      description:
        'One rule per line: `<metric> <op> <expr> [if significant]`, op one of >= > <= < ==, expr a number or built from `baseline` (`accuracy >= baseline - 0.01`).',
    },
    metric: { description: 'Shorthand for one rule: the metric to judge (with `threshold`).' },
    threshold: { description: 'Shorthand for one rule: the bar `metric` must reach.' },
    direction: {
      description:
        'Shorthand for one rule: whether `metric` must be at least (`higher`) or at most (`lower`) `threshold`.',
      default: 'higher',
      choices: ['higher', 'lower'],
    },
    baseline: {
      description:
        'The baseline’s metrics: a file, `ref:<git ref>` to read the `metrics` path from that ref, or `stage:<stage>` for the registered model version now in that stage (`stage:production`; `stage:<model>#<stage>` when several models have it). Default in a PR/MR: the base branch’s copy, when it exists.',
    },
    'require-baseline': {
      description:
        'Fail rules that need a baseline when there is none (otherwise they report "no baseline").',
      default: 'false',
      choices: ['true', 'false'],
    },
    predictions: {
      description:
        'A predictions CSV (y_true, y_pred, y_score or proba_<class>) to compute metrics from, instead of or besides `metrics`.',
    },
    task: {
      description: 'What the predictions are for; detected when absent.',
      choices: ['binary', 'multiclass', 'regression'],
    },
    'pos-label': {
      description: 'The positive class of a binary task (default 1, true, or the greater label).',
    },
    'baseline-predictions': {
      description:
        'The baseline’s predictions on the same rows (a file or `ref:<git ref>`): every Δ gets a paired-bootstrap confidence interval and `if significant` rules become noise-aware.',
    },
    confidence: { description: 'Confidence level of the bootstrap intervals.', default: '0.95' },
    resamples: { description: 'Bootstrap resamples (fixed seed, so results repeat).', default: '1000' },
    comment: {
      description:
        'Where the report goes besides the job summary: the PR/MR (`auto`), also the commit (`always`), or nowhere.',
      default: 'auto',
      choices: ['auto', 'always', 'never'],
    },
    title: {
      description: 'Name of the gate; also keys its sticky comment, so two gates keep two comments.',
      default: 'Metric gate',
    },
    'fail-on': {
      description: 'Whether a failed gate fails the step (`error`) or only reports (`never`).',
      default: 'error',
      choices: ['error', 'never'],
    },
    token: {
      description:
        'Token for comments. GitHub: defaults to the job’s token. GitLab: a project/group access token with api scope (default $MCP_GITLAB_TOKEN).',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
      githubDefault: '${{ github.token }}',
    },
    report: {
      description:
        'Post the reports a `pull_request` run wrote to .mcp/reports/ (one report .json, or a directory of them), passed as an artifact, instead of judging metrics: fork PRs, from a `workflow_run` job.',
    },
  },
  outputs: {
    passed: { description: '`true` when every rule passed, else `false`.' },
    report: { description: 'Path of the markdown report.' },
    metrics: { description: 'The candidate’s metrics as a JSON object.' },
    'failed-rules': { description: 'The rules that failed, as a JSON array.' },
  },
} as const satisfies ActionSpec;

export type ValidateMetricsInput = keyof typeof validateMetricsSpec.inputs;
export type ValidateMetricsOutput = keyof typeof validateMetricsSpec.outputs;
