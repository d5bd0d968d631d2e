import type { ActionSpec } from '../action';

const store = {
  description:
    'Where blobs go: `auto` (`.mcp/store` locally), `local:<dir>`, `release` (GitHub release assets) or `gitlab-package` (GitLab generic packages). Only local stores are wired so far.',
  default: 'auto',
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
    message: { description: 'A note recorded with the version.' },
  },
  outputs: {
    name: { description: 'Name of the dataset.' },
    version: { description: 'The version number (the previous one when nothing changed).' },
    digest: { description: 'sha256 of the manifest: the version’s identity.' },
    changed: { description: '`true` when a new version was recorded, `false` when the data was unchanged.' },
    diff: {
      description: 'Files and bytes added, removed and modified, and rows for CSV/TSV/JSONL, as JSON.',
    },
    'bytes-uploaded': { description: 'Bytes sent to the store (only chunks it lacked).' },
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
