import type { ActionSpec, InputSpec } from '../action';

/** Where traffic is split: the same inputs for deploy-canary and rollback. */
const providerInputs = {
  provider: {
    description:
      'How traffic is split: `command` (runs `set-weight`), `http` (POSTs `body` to `router-url`) or `gitops` (writes the weight into `gitops-file` and pushes a commit).',
    choices: ['command', 'http', 'gitops'],
  },
  'set-weight': {
    description:
      'provider command: a shell command that sends {weight} percent of traffic to {version} and the rest ({stable_weight}) to {stable_version}; also {model}, {environment}, {step}. A non-zero exit fails the step.',
  },
  'router-url': {
    description:
      'provider http: the router’s admin URL the weights are POSTed to (templated like set-weight).',
  },
  body: {
    description:
      'provider http: the JSON body, templated; default `{"model", "version", "stable_version", "weight", "environment"}`.',
  },
  'router-headers': {
    description:
      'provider http: request headers, one `Name: value` per line (tokens: the values are masked and never recorded, only the names).',
  },
  'gitops-file': {
    description:
      'provider gitops: the repository file holding the weights (a Kubernetes/Istio/Argo manifest, YAML or JSON).',
  },
  'gitops-set': {
    description:
      'provider gitops: one `path = value` per line, e.g. `spec.http[0].route[1].weight = {weight}`; `Kind/name:path` picks one document of a multi-document file.',
  },
  'gitops-branch': {
    description: 'provider gitops: the branch the commit is pushed to (default: the branch the job runs on).',
  },
  'gitops-remote': { description: 'provider gitops: the remote pushed to.', default: 'origin' },
  'provider-timeout': {
    description: 'How long one weight change may take (`30s`, `5m`).',
    default: '2m',
  },
  'environment-url': {
    description: 'The service’s URL, shown with the environment on GitHub/GitLab.',
  },
  wait: {
    description:
      'How long to wait while another rollout holds the environment before failing (`0s`: fail at once).',
    default: '10m',
  },
} as const satisfies Record<string, InputSpec>;

const token = {
  description:
    'Token for the host’s deployment record and the permission check. GitHub: default the job’s token (needs `deployments: write`). GitLab: default $CI_JOB_TOKEN, else $MCP_GITLAB_TOKEN.',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
  githubDefault: '${{ github.token }}',
} as const satisfies InputSpec;

const outputs = {
  outcome: { description: '`promoted`, `rolled-back` or `failed`.' },
  'deployment-id': {
    description: 'The deployment on mcp-meta: `<environment>/<number>` (`deployments/<environment>/` there).',
  },
  'stable-version': { description: 'The version serving all traffic afterwards.' },
  report: { description: 'Path of the markdown report (timeline and chart), also in the job summary.' },
} as const;

export const deployCanarySpec = {
  name: 'deploy-canary',
  title:
    'Shift traffic to a registered model version step by step, judge live metrics, roll back on its own.',
  description:
    'A canary rollout from the CI job: each step sets the weight through the provider, measures, and aborts to the stable version when checks fail; recorded on mcp-meta and as a deployment on GitHub/GitLab.',
  branding: { icon: 'trending-up', color: 'green' },
  inputs: {
    model: { description: 'The registered model’s name.', required: true },
    version: {
      description: 'The version to roll out (`v1.2.0` or `1.2.0`); or give `stage`.',
    },
    stage: {
      description:
        'Roll out the version that holds this registry stage now (e.g. `staging`), instead of `version`.',
    },
    environment: {
      description: 'Where it is deployed: one rollout per environment at a time.',
      default: 'production',
    },
    'stable-version': {
      description:
        'The version serving now; default what the environment’s last deployment left serving, else the version holding `promote-stage`.',
    },
    steps: {
      description:
        'Canary weights in percent, `10,25,50,100`, or a YAML list of steps with `weight` and any of `pause`, `count`, `interval`, `success`, `failure`, `failure-limit`, `inconclusive-limit`. A step at 100 is added if missing.',
      default: '10,25,50,100',
    },
    interval: {
      description: 'Time between measurements (`30s`, `5m`); without analysis, the bake time of each step.',
      default: '1m',
    },
    count: {
      description: 'Measurements per step (the step at 100% is not measured unless it says so).',
      default: '3',
    },
    ...providerInputs,
    analysis: {
      description:
        'Where measurements come from: `http` (JSON from `canary-url` and `stable-url`), `prometheus` (`queries` against `prometheus-url`), `command` (`analysis-command`), or `none` (steps only bake).',
      choices: ['none', 'http', 'prometheus', 'command'],
      default: 'none',
    },
    'canary-url': { description: 'analysis http: the canary’s metrics as JSON (templated).' },
    'stable-url': { description: 'analysis http: the stable version’s metrics as JSON (templated).' },
    'prometheus-url': { description: 'analysis prometheus: the server, e.g. `http://prometheus:9090`.' },
    queries: {
      description:
        'analysis prometheus: one `name: <PromQL>` per line, run for each side with {version} that side’s version; each must give one number.',
    },
    'analysis-command': {
      description:
        'analysis command: a shell command (templated like set-weight) printing `{"canary": {...}, "stable": {...}}`.',
    },
    'analysis-headers': {
      description:
        'analysis http/prometheus: request headers, `Name: value` per line (values masked, never recorded).',
    },
    'analysis-timeout': { description: 'How long one measurement may take.', default: '30s' },
    success: {
      description:
        'Conditions that must hold, one per line: `canary.error_rate < 0.02`, `canary.p95_ms <= stable.p95_ms * 1.2`, `psi(canary.scores, stable.scores) < 0.2`, `agreement(canary.predictions, stable.predictions) >= 0.95`.',
    },
    failure: { description: 'Conditions that fail a measurement when one holds, one per line.' },
    'failure-limit': {
      description: 'Failed checks tolerated per step before the rollout aborts.',
      default: '0',
    },
    'inconclusive-limit': {
      description: 'Inconclusive measurements (the source down, a value missing) tolerated per step.',
      default: '1',
    },
    'before-step': {
      description:
        'A shell command run after each step’s weight is set (a load test, a notice); templated; non-zero exit = a failed check.',
    },
    'after-step': {
      description:
        'A shell command run after a step passed, before the next weight (a confirmation gate); non-zero exit = a failed check.',
    },
    'hook-timeout': { description: 'How long a hook may run.', default: '5m' },
    'on-interrupted': {
      description:
        'What to do with a rollout of this environment whose job was killed: set its weight back to 0 (`rollback`), or continue it when it is this same version (`resume`).',
      choices: ['rollback', 'resume'],
      default: 'rollback',
    },
    'promote-stage': {
      description:
        'When promoted, assign this registry stage (e.g. `production`) to the version. A protected stage needs the actor’s `maintain` role.',
    },
    'protected-stages': {
      description:
        'Stages only people with the maintain or admin role (GitLab: Maintainer) may assign, separated by commas; `none` for none (when a protected environment’s reviewers approve the job).',
      default: 'production',
    },
    token,
  },
  outputs,
} as const satisfies ActionSpec;

export const rollbackSpec = {
  name: 'rollback',
  title: 'Put all traffic of an environment back on an earlier good model version.',
  description:
    'Sets 100% on the previous stable version (or `to`) through the provider of the environment’s last deployment, and records it; needs the `maintain` role.',
  branding: { icon: 'rotate-ccw', color: 'orange' },
  inputs: {
    environment: { description: 'The environment to roll back.', default: 'production' },
    to: {
      description:
        'The version to restore; default the previous good stable version on record (never one a rollback already left).',
    },
    reason: { description: 'Why: recorded with the deployment and the audit event.' },
    ...providerInputs,
    provider: {
      description:
        'How traffic is split (`command`, `http`, `gitops`); default the provider recorded with the environment’s last deployment (header values and tokens are not recorded: give them again).',
      choices: ['command', 'http', 'gitops'],
    },
    'protected-environments': {
      description:
        'Environments only people with the maintain or admin role (GitLab: Maintainer) may roll back, separated by commas; `*` for all, `none` for none (when a protected environment’s reviewers approve the job).',
      default: '*',
    },
    stage: {
      description:
        'The registry stage to assign to the restored version once it serves (so the registry says what runs); default the `promote-stage` recorded with the environment’s last deployment, if any.',
    },
    'protected-stages': {
      description:
        'Stages only people with the maintain or admin role (GitLab: Maintainer) may assign, separated by commas; `none` for none.',
      default: 'production',
    },
    token,
  },
  outputs,
} as const satisfies ActionSpec;

export type DeployCanaryInput = keyof typeof deployCanarySpec.inputs;
export type RollbackInput = keyof typeof rollbackSpec.inputs;
export type DeployOutput = keyof typeof outputs;
