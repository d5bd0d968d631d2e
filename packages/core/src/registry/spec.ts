import type { ActionSpec } from '../action';

export const registerModelSpec = {
  name: 'register-model',
  title: 'Register a model version: a semver git tag (GTO), a release with the model files and a model card.',
  description:
    'Tags `<name>@v<semver>`, releases the model files with a model card as notes, records a ModelVersion on mcp-meta, and optionally assigns a stage and starts a workflow.',
  branding: { icon: 'package', color: 'blue' },
  inputs: {
    name: {
      description:
        'The model’s registry name: lowercase letters, digits, `-` and `/`, starting with a letter (GTO’s rule), e.g. `churn` or `team/churn`.',
      required: true,
    },
    path: {
      description:
        'The model files: paths, directories or globs, one per line. With `run-id` or `best-of`, picks which of the run’s outputs are the model.',
    },
    'run-id': {
      description:
        'Register the model of a recorded training run (`train`’s `run-id`): its files are read from the content store, its metrics, params, data and commit go into the card.',
    },
    'best-of': {
      description:
        'Register the model of the best run of a sweep: the run name the sweep’s `train` steps used; its runs of the checked-out commit are ranked by `metric`.',
    },
    metric: { description: 'The metric `best-of` ranks by, e.g. `f1`.' },
    direction: {
      description:
        'Whether a `higher` or `lower` `metric` is better; by default judged by its name (loss, error, latency… lower).',
      choices: ['higher', 'lower'],
    },
    metrics: {
      description:
        'A metrics file (JSON, YAML or CSV) to record with the version when registering from `path` (a run brings its own).',
    },
    version: {
      description: 'An explicit version (`1.4.0` or `v1.4.0`); otherwise the greatest version is bumped.',
    },
    bump: {
      description: 'Which part of the greatest version to bump; a name’s first version is v0.0.1.',
      default: 'patch',
      choices: ['major', 'minor', 'patch'],
    },
    stage: {
      description:
        'Assign this stage right away (the tag `<name>#<stage>#<n>`), e.g. `staging`; protected stages need the maintain role.',
    },
    'protected-stages': {
      description:
        'Stages only people with the maintain or admin role (GitLab: Maintainer) may assign, separated by commas; `none` for none.',
      default: 'production',
    },
    description: { description: 'What this version is; goes into the tag message and the model card.' },
    labels: { description: 'Labels for the version, separated by commas or lines.' },
    dispatch: {
      description:
        'A workflow to start when the version is registered (GitHub: its file name, e.g. `deploy.yml`, with inputs `model` and `version`; GitLab: a pipeline with the variables `model`, `version` and MCP_WORKFLOW set to this).',
    },
    store: {
      description:
        'The content store the run’s outputs are read from (`release`, `gitlab-package`, `local:<dir>`, `auto`); default the store the run recorded.',
    },
    token: {
      description:
        'Token for releases, the permission check and dispatch. GitHub: defaults to the job’s token (`contents: write`; `actions: write` to dispatch). GitLab: $CI_JOB_TOKEN for releases; tags need a project access token with write_repository in git’s credentials.',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
      githubDefault: '${{ github.token }}',
    },
  },
  outputs: {
    version: { description: 'The version, e.g. `v1.4.0`.' },
    tag: { description: 'The git tag, `<name>@v<semver>`.' },
    'release-url': { description: 'The release page; empty without a release host (a local run).' },
    assets: {
      description:
        'The model files as a JSON list of `{path, name, size, sha256, url}` (`parts` instead of `url` for a file split past the asset size limit).',
    },
    created: {
      description:
        '`false` when these files were already registered under this name (a re-run), else `true`.',
    },
  },
} as const satisfies ActionSpec;

export type RegisterModelInput = keyof typeof registerModelSpec.inputs;
export type RegisterModelOutput = keyof typeof registerModelSpec.outputs;
