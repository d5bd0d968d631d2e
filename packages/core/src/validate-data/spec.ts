import type { ActionSpec } from '../action';

export const validateDataSpec = {
  name: 'validate-data',
  title:
    'Data gate: schema checks and drift tests between two data versions, with the verdict in the PR/MR comment.',
  description: 'Tests a data version (or file) for schema changes and drift against a reference.',
  branding: { icon: 'bar-chart-2', color: 'orange' },
  inputs: {
    reference: {
      description:
        'What the data is compared with: a data version `name@N`, `name@latest`, `name@production` (the version the model in that registry stage was trained on), or a CSV/TSV/JSONL/Parquet file. Add `:<path>` to pick one file of a version with several.',
      required: true,
    },
    current: {
      description: 'The data to judge, in the same forms as `reference`.',
      required: true,
    },
    columns: {
      description:
        'Columns to test, comma- or line-separated. Default: every column both sides have, except datetimes.',
    },
    rules: {
      description:
        'One rule per line: `schema unchanged`, or `<expr> <op> <expr> [by ks|chi-square|psi|wasserstein]` over `drift(<col>)` (effect size), `pvalue(<col>)` (corrected), `missing(<col>)`, `drifted_share`, `drifted_count`, `rows`, `reference_rows`. Default: fail when any column drifts (corrected p < `alpha`) or is removed or retyped.',
    },
    method: {
      description:
        'The test a column’s verdict rests on: `auto` is KS for numeric columns and χ² for categorical ones (drift at corrected p < `alpha`); `psi` (≥ 0.2) and `wasserstein` (W/σ ≥ 0.1) judge by their threshold where they apply; `ks` and `chi-square` apply where they can.',
      default: 'auto',
      choices: ['auto', 'ks', 'chi-square', 'psi', 'wasserstein'],
    },
    correction: {
      description: 'Multiple-testing correction of the p-values across columns.',
      default: 'bonferroni',
      choices: ['bonferroni', 'bh'],
    },
    alpha: { description: 'Significance level a corrected p-value is compared with.', default: '0.05' },
    trigger: {
      description:
        'A workflow to start when drift is found (GitHub: the workflow file, e.g. `train.yml`, with `on: workflow_dispatch` inputs `dataset` and `version`; GitLab: a pipeline with those variables).',
    },
    title: {
      description: 'Name of the gate; also keys its sticky comment, so two gates keep two comments.',
      default: 'Data gate',
    },
    comment: {
      description:
        'Where the report goes besides the job summary: the PR/MR (`auto`), also the commit (`always`), or nowhere.',
      default: 'auto',
      choices: ['auto', 'always', 'never'],
    },
    store: {
      description:
        'The content store the data versions’ profiles are read from: `local:<dir>`, `release` or `gitlab-package`; `auto` is the store each version was recorded in.',
      default: 'auto',
    },
    token: {
      description:
        'Token for the store, comments and the trigger. GitHub: defaults to the job’s token; reading profiles from the `mcp-store` draft release needs `contents: write` (drafts are visible only with push access), comments `pull-requests: write`, the `trigger` workflow dispatch `actions: write`. GitLab: a project access token with api scope (default $MCP_GITLAB_TOKEN).',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
      githubDefault: '${{ github.token }}',
    },
  },
  outputs: {
    passed: {
      description:
        '`true` when every rule passed (or, without rules, no column drifted and none was removed or retyped).',
    },
    columns: {
      description:
        'Per tested column as JSON: its test, statistic, p-value and adjusted p-value, effect sizes, and verdict.',
    },
    'drifted-columns': { description: 'The drifted columns, as a JSON array.' },
    report: { description: 'Path of the markdown report.' },
    triggered: { description: '`true` when the `trigger` workflow was started.' },
  },
} as const satisfies ActionSpec;

export type ValidateDataInput = keyof typeof validateDataSpec.inputs;
export type ValidateDataOutput = keyof typeof validateDataSpec.outputs;
