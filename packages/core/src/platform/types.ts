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
  /** Hand-off between jobs of one run; only GitHub Actions has it. */
  readonly artifacts?: ArtifactHandOff;
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
