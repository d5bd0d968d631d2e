import type { ActionSpec } from '../action';

export const trainSpec = {
  name: 'train',
  title: 'Run a training command with pinned data and params; record the run, cache its outputs.',
  description:
    'Runs the training command, stores its outputs and records a RunRecord on mcp-meta; an identical earlier run is restored instead.',
  branding: { icon: 'cpu', color: 'purple' },
  inputs: {
    command: {
      description:
        'The training command, run by bash (`-eo pipefail`; sh where bash is missing) in the workspace, e.g. `python train.py`. It gets MCP_PARAMS, MCP_DATA_<NAME>, MCP_OUTPUT_DIR and MCP_RUN_ID; its exit code decides the step.',
      required: true,
    },
    name: {
      description:
        'The model/experiment name the run is recorded under (`runs/<name>/` on mcp-meta; letters, digits, `.`, `_`, `-`).',
      default: 'default',
    },
    data: {
      description:
        'Data versions to pull and verify first, one per line: `name@<version>`, `name@latest` or a pointer file `<name>.data.json`. Each lands where it was versioned from; its directory is in MCP_DATA_<NAME> (upper case, other characters `_`).',
    },
    params: {
      description:
        'Params: JSON/YAML files and `key=value` lines (dotted keys nest: `train.lr=0.01`), merged in order, later wins; numbers and booleans stay typed. The command reads the merged JSON at MCP_PARAMS.',
    },
    outputs: {
      description:
        'Files the run produces (model files, plots): paths, directories or globs, one per line. Stored in the content store; the first line is the model (`model-digest`). Files left in MCP_OUTPUT_DIR are outputs too.',
    },
    metrics: {
      description:
        'The metrics file the command writes (JSON, YAML or CSV); its numbers are recorded, flattened (`test.f1`), and stored with the outputs.',
    },
    deps: {
      description:
        'Files the result depends on, as globs, one per line; when given, they replace the committed tree in the cache key (default: every tracked file except the outputs).',
    },
    cache: {
      description:
        'Restore the outputs of an earlier successful run with the same code, data, params, command and lock files instead of running the command.',
      default: 'true',
      choices: ['true', 'false'],
    },
    timeout: {
      description:
        'Stop the command (and every process it started) after this long: `90s`, `30m`, `2h`, `1h30m` or seconds. No limit by default.',
    },
    message: { description: 'A note recorded with the run.' },
    store: {
      description:
        'Where outputs go (and data is read from): `release` (assets of the draft release `mcp-store`, GitHub), `gitlab-package` (the generic package `mcp-store`, GitLab), `local:<dir>`, or `auto`: release on GitHub, gitlab-package on GitLab, `.mcp/store` elsewhere.',
      default: 'auto',
    },
    token: {
      description:
        'Token for the store. GitHub: defaults to the job’s token, which needs `contents: write` (the storage release is a draft, seen only with push access). GitLab: default $CI_JOB_TOKEN (allowed for the package registry), else $MCP_GITLAB_TOKEN; a token given here is sent as an access token.',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
      githubDefault: '${{ github.token }}',
    },
  },
  outputs: {
    'run-id': { description: 'Id of the recorded run (`runs/<name>/<run-id>.json` on mcp-meta).' },
    'cache-hit': {
      description:
        '`true` when the outputs were restored from an earlier run instead of running the command.',
    },
    metrics: { description: 'The run’s metrics, flattened, as a JSON object.' },
    outputs: { description: 'The output files as a JSON list of `{path, size, sha256}`.' },
    'model-digest': {
      description:
        'The model’s identity as the registry computes it (sha256 of the manifest of path, size and sha256) over the files the first `outputs` line names (without `outputs`, what is in MCP_OUTPUT_DIR); empty when there is none.',
    },
  },
} as const satisfies ActionSpec;

export type TrainInput = keyof typeof trainSpec.inputs;
export type TrainOutput = keyof typeof trainSpec.outputs;
