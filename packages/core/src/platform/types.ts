import type { ObjectBackend } from '../store';

/**
 * The one seam between core and the CI system. Core talks only to a `Platform`; the GitHub,
 * GitLab and local implementations translate. Later capabilities (deployments, permissions) join
 * this interface as the actions that need them arrive.
 */
export type PlatformName = 'github' | 'gitlab' | 'local';

/** A content store kept by the CI host: GitHub release assets, GitLab generic packages. */
export interface HostedStore {
  kind: 'release' | 'gitlab-package';
  /** The storage release's tag and title, or the generic package's name. */
  name: string;
}

export interface PlatformContext {
  /** `owner/repo` on GitHub, `group/project` on GitLab; undefined locally without a remote. */
  repository?: string;
  sha?: string;
  ref?: string;
  /** Target branch of the pull/merge request under review. */
  baseRef?: string;
  /** The commit of the target branch the change is compared with (when the CI system says). */
  baseSha?: string;
  /** Number of the pull request (GitHub) or IID of the merge request (GitLab) under review. */
  change?: number;
  /** GitHub event name or GitLab pipeline source. */
  event?: string;
  runUrl?: string;
  actor?: string;
  /** Directory that relative paths in inputs are resolved against. */
  workspace: string;
  /** Set in a `workflow_run` job: the run that triggered it (fork-safe commenting). */
  workflowRun?: { headSha: string; pullRequests: number[] };
}

/** Where a sticky comment goes: the change under review, or a commit. */
export type CommentTarget = { kind: 'change'; number: number } | { kind: 'commit'; sha: string };

export type CommentResult =
  | { status: 'created' | 'updated'; id: string; url?: string }
  | { status: 'skipped'; reason: string };

/** A pull/merge request as the API describes it. */
export interface ChangeInfo {
  number: number;
  headSha: string;
  baseRef: string;
}

export interface PlatformLimits {
  /** Characters in one PR comment / MR note. */
  comment: number;
  /** Bytes (UTF-8) of job summary per step. */
  summary: number;
}

/**
 * Workflow artifacts: files one job of a run hands to a later job of the same run (GitHub
 * Actions). An artifact name is used once per run.
 */
export interface ArtifactHandOff {
  /** Uploads `files` (absolute, under `root`, stored relative to it) as the artifact `name`. */
  upload(name: string, files: string[], root: string): Promise<{ id: number; size: number }>;
  /** Extracts this run's artifact `name` into `dir`; false when the run has no such artifact. */
  download(name: string, dir: string): Promise<boolean>;
}

/**
 * A person's role on the repository, in GitHub's names (`repos/get-collaborator-permission-level`'s
 * `role_name`). GitLab's access levels map onto them: Guest/Reporter → read, Developer → write,
 * Maintainer → maintain, Owner → admin.
 */
export type RepositoryRole = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export const ROLE_ORDER: readonly RepositoryRole[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];

/**
 * Start another workflow (GitHub `workflow_dispatch`) or pipeline (GitLab) with inputs: the only
 * way one job's tags and releases can start further work, since events made with the job's own
 * token start no workflow.
 */
export interface DispatchRequest {
  /** GitHub: the workflow file name (`deploy.yml`) or id. GitLab: ignored (a pipeline runs `.gitlab-ci.yml`). */
  workflow: string;
  /** Branch or tag to run on; default the current ref. */
  ref?: string;
  /** GitHub: workflow inputs. GitLab: pipeline variables. */
  inputs: Record<string, string>;
}

export type DispatchResult = { status: 'dispatched'; url?: string } | { status: 'skipped'; reason: string };

/** A file of a release: a GitHub release asset, or a GitLab release link to a generic-package file. */
export interface ReleaseAsset {
  name: string;
  /** Bytes; undefined where the host does not say. */
  size?: number;
  /** sha256 when the host computes it (GitHub's asset `digest`). */
  sha256?: string;
  /** Where a reader downloads it. */
  url: string;
}

/** A release of a tag, as a `ReleaseHost` finds it. */
export interface HostedRelease {
  /** The host's handle (GitHub's release id, GitLab's tag name). */
  id: string;
  tag: string;
  /** Not yet published: readers do not see it, and it still takes assets. */
  draft: boolean;
  /** The release page (empty for a draft the host has not created yet). */
  url: string;
  notes: string;
  assets: ReleaseAsset[];
}

/** Bytes `start`…`start + size - 1` of a local file, uploaded as one asset `name`. */
export interface ReleaseUpload {
  name: string;
  path: string;
  start: number;
  size: number;
}

/**
 * Releases of tags with files (model versions): created as a draft, filled, then published, so a
 * host whose releases are immutable once published still gets every asset; a re-run finds the
 * draft by its tag and completes it.
 */
export interface ReleaseHost {
  /** For messages: "releases of org/repo". */
  readonly description: string;
  /** Largest asset; bigger files are uploaded in parts. */
  readonly maxAssetSize: number;
  /** Longest release notes, in characters. */
  readonly maxNotes: number;
  /** The release of `tag`: a published one when there is one, else a draft; undefined when none. */
  find(tag: string): Promise<HostedRelease | undefined>;
  createDraft(tag: string, options: { title: string; notes: string; commit: string }): Promise<HostedRelease>;
  /** Uploads one asset; an asset of that name left broken by a failed upload is replaced. */
  upload(release: HostedRelease, file: ReleaseUpload): Promise<ReleaseAsset>;
  setNotes(release: HostedRelease, notes: string): Promise<HostedRelease>;
  publish(release: HostedRelease): Promise<HostedRelease>;
}

/** A deployment as the CI host shows it: GitHub's Deployments, GitLab's environments. */
export interface HostDeploymentRequest {
  environment: string;
  /** The commit of the job (GitHub: the ref deployed; GitLab: `sha`). */
  sha: string;
  /** The branch or tag the job runs on (GitLab's `ref`). */
  ref?: string;
  /** One line: what is deployed over what. */
  description: string;
  /** Small JSON kept with the deployment (GitHub's `payload`). */
  payload: Record<string, string | number | boolean | null>;
  /** The service's own URL, shown with the environment. */
  environmentUrl?: string;
  /** The job's log. */
  logUrl?: string;
}

/** GitHub's deployment status names; GitLab's are running, success, failed and canceled. */
export type HostDeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive';

export interface HostDeploymentStatus {
  state: HostDeploymentState;
  description?: string;
  environmentUrl?: string;
  logUrl?: string;
}

export interface HostDeployment {
  id: string;
  /** Where a person sees it. */
  url?: string;
  /** Created, but a follow-up call (its first status, its URL) failed: worth a warning. */
  warning?: string;
}

/** The CI host's record of deployments, beside the one on mcp-meta. */
export interface DeploymentHost {
  /** Creates the deployment for the environment (which the host creates if new), in progress. */
  start(request: HostDeploymentRequest): Promise<HostDeployment>;
  /** Its next status; success, failure and inactive end it. */
  update(deployment: HostDeployment, status: HostDeploymentStatus): Promise<void>;
}

export interface Platform {
  readonly name: PlatformName;
  readonly context: PlatformContext;
  readonly limits: PlatformLimits;
  /** The value of an input, trimmed; '' when it was not given. Defaults are applied by the action spec. */
  input(name: string): string;
  setOutput(name: string, value: string): void;
  /** Outputs set so far, for `--json`. */
  outputs(): Record<string, string>;
  /** Write outputs that are kept until the end (GitLab's dotenv report). Safe to call once at exit. */
  flush(): Promise<void>;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Never print this value again (tokens). */
  mask(secret: string): void;
  /** The values masked so far, kept current: records on mcp-meta refuse to hold any of them. */
  readonly masked: ReadonlySet<string>;
  /** The token for API calls, from the action's `token` input; the platform's own default otherwise. */
  useToken(token: string): void;
  appendSummary(markdown: string): Promise<void>;
  /**
   * Create or update the comment carrying `marker` (a hidden HTML comment) on `target`. A token
   * without write access is not an error: the result says `skipped` with the reason.
   */
  upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult>;
  /** Look up a pull/merge request: its head commit, to check a claimed number from an artifact. */
  getChange(number: number): Promise<ChangeInfo | undefined>;
  /**
   * The objects of a store the CI host keeps, reached with this platform's token. A store this
   * platform has no such host for, or lacks the credentials for, is an `InputError` naming `input`.
   */
  hostedStore(store: HostedStore, input: string): ObjectBackend;
  /**
   * `actor`'s role on this repository, asked of the host (GitHub collaborator permission, GitLab
   * member access level); undefined where there is no host to ask (locally: it is your own clone).
   */
  role(actor: string): Promise<RepositoryRole | undefined>;
  /** Start a workflow/pipeline; `skipped` (with why) where there is no host to start one on. */
  dispatch(request: DispatchRequest): Promise<DispatchResult>;
  /** Hand-off between jobs of one run; only GitHub Actions has it. */
  readonly artifacts?: ArtifactHandOff;
  /** Releases of tags with files (GitHub releases, GitLab releases with package links); none locally. */
  readonly releases?: ReleaseHost;
  /** The host's deployments and environments (GitHub, GitLab); none locally. */
  readonly deployments?: DeploymentHost;
}

export interface PlatformOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Inputs given as CLI flags; when absent, GitHub reads `INPUT_*` as the runner sets them. */
  inputs?: Record<string, string>;
  /** Where log lines go. The action writes to stdout; the CLI to stderr so that `--json` stays clean. */
  log?: (line: string) => void;
  /** Where GitLab's dotenv report is written (default `mcp.env` in the workspace). */
  dotenv?: string;
}
