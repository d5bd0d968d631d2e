import type { ActionSpec } from '../action';

const store = {
  description:
    'Where blobs go: `release` (assets of the draft release `mcp-store`, GitHub), `gitlab-package` (the generic package `mcp-store`, GitLab), `local:<dir>`, or `auto`: release on GitHub, gitlab-package on GitLab, `.mcp/store` elsewhere.',
  default: 'auto',
};

const token = {
  description:
    'Token for the store. GitHub: defaults to the job’s token, which needs `contents: write` (the storage release is a draft, seen only with push access). GitLab: default $CI_JOB_TOKEN (allowed for the package registry), else $MCP_GITLAB_TOKEN; a token given here is sent as an access token.',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, evaluated by the runner
  githubDefault: '${{ github.token }}',
};

export const versionDataSpec = {
  name: 'version-data',
  title: 'Version a dataset: content-addressed blobs in a store, the version recorded on mcp-meta.',
  description: 'Snapshots files into the content store and records a numbered data version with its diff.',
  branding: { icon: 'database', color: 'blue' },
  inputs: {
    path: {
      description: 'The data: a file, a directory or a glob (`data/*.csv`); one per line for several.',
      required: true,
    },
    name: {
      description: 'Name of the dataset (letters, digits, `.`, `_`, `-`). Default: from the first path.',
    },
    store,
    token,
    message: { description: 'A note recorded with the version.' },
    artifact: {
      description:
        'Also hand the version to later jobs of this run as a workflow artifact (GitHub only): `true` names it `mcp-data-<name>-v<version>`, another value is its name. pull-data with `artifact` then reads it before the store.',
      default: 'false',
    },
  },
  outputs: {
    name: { description: 'Name of the dataset.' },
    version: { description: 'The version number (the previous one when nothing changed).' },
    digest: { description: 'sha256 of the manifest: the version’s identity.' },
    changed: { description: '`true` when a new version was recorded, `false` when the data was unchanged.' },
    diff: {
      description:
        'Files and bytes added, removed and modified, as JSON; for CSV/TSV/JSONL the exact rows added and removed per file (`rowsApproximate: true` when a huge change was counted instead).',
    },
    'bytes-uploaded': { description: 'Bytes sent to the store (only chunks it lacked).' },
    artifact: {
      description: 'Name of the workflow artifact holding the version; empty when none was uploaded.',
    },
  },
} as const satisfies ActionSpec;

export const pullDataSpec = {
  name: 'pull-data',
  title: 'Materialize a dataset version: only missing chunks downloaded, every byte verified.',
  description: 'Writes the files of a recorded data version to a directory.',
  branding: { icon: 'download', color: 'blue' },
  inputs: {
    name: { description: 'Name of the dataset (or give `pointer`).' },
    version: {
      description: '`latest`, a version number or a manifest digest.',
      default: 'latest',
    },
    pointer: {
      description: 'A pointer file `<name>.data.json` written by version-data, instead of name and version.',
    },
    path: { description: 'Where to write the files. Default: where they were versioned from.' },
    clean: {
      description: 'Also delete files under `path` that the version does not hold.',
      default: 'false',
      choices: ['true', 'false'],
    },
    store,
    token,
    artifact: {
      description:
        'Read the version first from the workflow artifact version-data uploaded in an earlier job of this run (GitHub only): `true` for `mcp-data-<name>-v<version>`, or its name. What it lacks comes from the store.',
      default: 'false',
    },
  },
  outputs: {
    name: { description: 'Name of the dataset.' },
    version: { description: 'The version number written.' },
    digest: { description: 'sha256 of the manifest written.' },
    path: { description: 'The directory the files were written to.' },
    'bytes-downloaded': { description: 'Bytes downloaded from the store (the rest was reused locally).' },
  },
} as const satisfies ActionSpec;

export type VersionDataInput = keyof typeof versionDataSpec.inputs;
export type VersionDataOutput = keyof typeof versionDataSpec.outputs;
export type PullDataInput = keyof typeof pullDataSpec.inputs;
export type PullDataOutput = keyof typeof pullDataSpec.outputs;
