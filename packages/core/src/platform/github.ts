import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { InputError, McpError } from '../errors';
import { GitHubReleaseBackend, type ObjectBackend } from '../store';
import { BasePlatform } from './base';
import { appendFileEnsuringDir } from './files';
import { GitHubArtifacts } from './github-artifacts';
import { createGitHubClient } from './github-client';
import { GitHubDeployments } from './github-deployments';
import { GitHubReleases } from './github-releases';
import type {
  ChangeInfo,
  CommentResult,
  CommentTarget,
  DispatchRequest,
  DispatchResult,
  HostedStore,
  PlatformContext,
  PlatformOptions,
  RepositoryRole,
} from './types';

type Octokit = ReturnType<typeof getOctokit>;

// GitHub: "Outputs are Unicode strings, and can be a maximum of 1 MB."
const OUTPUT_LIMIT = 1024 * 1024 - 1024;

interface EventPayload {
  pull_request?: { number: number; base?: { ref?: string; sha?: string }; head?: { sha?: string } };
  workflow_run?: { head_sha: string; pull_requests?: { number: number }[] };
  sender?: { login?: string };
}

interface Comment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type: string } | null;
}

// Issue comments (PRs are issues) and commit comments differ only in their routes.
const routes = {
  change: {
    list: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    create: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    update: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  },
  commit: {
    list: 'GET /repos/{owner}/{repo}/commits/{commit_sha}/comments',
    create: 'POST /repos/{owner}/{repo}/commits/{commit_sha}/comments',
    update: 'PATCH /repos/{owner}/{repo}/comments/{comment_id}',
  },
} as const;

/** GitHub Actions: inputs from `INPUT_*`, outputs and summary through file commands, REST via Octokit. */
export class GitHubPlatform extends BasePlatform {
  readonly name = 'github' as const;
  readonly context: PlatformContext;
  // Comment bodies are capped at 65,536 characters; a step summary at 1 MiB.
  readonly limits = { comment: 65_536, summary: 1024 * 1024 };
  readonly artifacts = new GitHubArtifacts((line) => this.write(line));
  readonly releases = new GitHubReleases(() => ({
    token: this.currentToken(),
    repository: this.context.repository,
    apiUrl: this.apiUrl(),
    log: (message) => this.info(message),
    writeIntervalMs: this.writeIntervalMs(),
  }));
  readonly deployments = new GitHubDeployments(() => ({
    octokit: this.client(),
    repo: this.repo(),
    web: this.context.repository
      ? `${this.options.env.GITHUB_SERVER_URL || 'https://github.com'}/${this.context.repository}`
      : undefined,
  }));
  private octokit?: Octokit;
  private identity?: Promise<string | undefined>;

  constructor(options: PlatformOptions) {
    super(options);
    this.context = githubContext(options.env, options.cwd);
  }

  override input(name: string): string {
    if (this.options.inputs) return super.input(name);
    // The runner's convention (as in @actions/core): spaces become `_`, upper case, `-` kept.
    return (this.options.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  override setOutput(name: string, value: string): void {
    if (Buffer.byteLength(value) > OUTPUT_LIMIT) {
      // The runner refuses a step output over 1 MB: the value goes to a file, `<name>-file` names it.
      const path = join('.mcp', 'outputs', `${name}.txt`);
      mkdirSync(join(this.context.workspace, '.mcp', 'outputs'), { recursive: true });
      writeFileSync(join(this.context.workspace, path), value);
      this.warning(
        `output ${name} has ${Buffer.byteLength(value)} bytes, over GitHub's 1 MB for an output: written to ${path}, named by the output ${name}-file`,
      );
      this.writeOutput(`${name}-file`, path);
      this.writeOutput(name, '');
      return;
    }
    this.writeOutput(name, value);
  }

  private writeOutput(name: string, value: string): void {
    super.setOutput(name, value);
    const file = this.options.env.GITHUB_OUTPUT;
    if (file) {
      // The runner's file-command format for values that may span lines.
      const delimiter = `ghadelimiter_${randomUUID()}`;
      appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`);
    }
  }

  override warning(message: string): void {
    this.write(`::warning::${escapeCommand(this.redact(message))}`);
  }

  override error(message: string): void {
    this.write(`::error::${escapeCommand(this.redact(message))}`);
  }

  override debug(message: string): void {
    this.write(`::debug::${escapeCommand(this.redact(message))}`);
  }

  override mask(secret: string): boolean {
    const added = super.mask(secret);
    if (added) this.write(`::add-mask::${escapeCommand(secret)}`);
    return added;
  }

  override async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.write(`::group::${escapeCommand(title)}`);
    try {
      return await fn();
    } finally {
      this.write('::endgroup::');
    }
  }

  override async appendSummary(markdown: string): Promise<void> {
    const file = this.options.env.GITHUB_STEP_SUMMARY;
    if (file) await appendFileEnsuringDir(file, `${markdown}${EOL}`);
  }

  private currentToken(): string {
    return this.token || this.options.env.GITHUB_TOKEN || '';
  }

  private client(): Octokit | undefined {
    if (this.octokit) return this.octokit;
    const token = this.currentToken();
    if (!token) return undefined;
    this.mask(token);
    this.octokit = getOctokit(token, { baseUrl: this.apiUrl(), request: { retries: 2 } }, retry);
    return this.octokit;
  }

  override hostedStore(store: HostedStore, input: string): ObjectBackend {
    if (store.kind !== 'release') return super.hostedStore(store, input);
    const token = this.currentToken();
    if (!token) {
      throw new InputError(
        `${input}: release needs a token with contents: write; set the token input (default: the job's token) or GITHUB_TOKEN`,
        input,
      );
    }
    const repository = this.context.repository;
    if (!this.repo() || !repository) {
      throw new InputError(`${input}: release needs GITHUB_REPOSITORY (owner/name), which is not set`, input);
    }
    this.mask(token);
    const log = (message: string) => this.info(message);
    return new GitHubReleaseBackend({
      client: createGitHubClient({
        token,
        apiUrl: this.apiUrl(),
        log,
        writeIntervalMs: this.writeIntervalMs(),
      }),
      repository,
      release: store.name,
      log,
    });
  }

  /**
   * GitHub asks for a second between content-creating requests (the default). A GitHub Enterprise
   * Server without secondary rate limits, or an emulator, may take them faster:
   * MCP_GITHUB_WRITE_INTERVAL_MS.
   */
  private writeIntervalMs(): number | undefined {
    const value = this.options.env.MCP_GITHUB_WRITE_INTERVAL_MS;
    if (value === undefined || value === '') return undefined;
    if (!/^\d+$/.test(value)) {
      throw new InputError(
        `MCP_GITHUB_WRITE_INTERVAL_MS: "${value}" is not a whole number of milliseconds`,
        'MCP_GITHUB_WRITE_INTERVAL_MS',
      );
    }
    return Number(value);
  }

  private apiUrl(): string {
    return this.options.env.GITHUB_API_URL || 'https://api.github.com';
  }

  private repo(): { owner: string; repo: string } | undefined {
    const [owner, repo] = (this.context.repository ?? '').split('/');
    return owner && repo ? { owner, repo } : undefined;
  }

  async upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult> {
    const octokit = this.client();
    const repo = this.repo();
    if (!octokit) return { status: 'skipped', reason: 'no token: set the `token` input or GITHUB_TOKEN' };
    if (!repo) return { status: 'skipped', reason: 'GITHUB_REPOSITORY is not set' };
    const route = routes[target.kind];
    const where =
      target.kind === 'change'
        ? { ...repo, issue_number: target.number }
        : { ...repo, commit_sha: target.sha };
    try {
      const existing = await this.findOwn(octokit, route.list, where, marker);
      if (existing) {
        const { data } = await octokit.request(route.update, { ...repo, comment_id: existing.id, body });
        return { status: 'updated', id: String(data.id), url: data.html_url };
      }
      const { data } = await octokit.request(route.create, { ...where, body });
      return { status: 'created', id: String(data.id), url: data.html_url };
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 403 || status === 404) {
        return {
          status: 'skipped',
          reason: `GitHub answered ${status}: the token cannot write comments here (a fork's pull request gets a read-only token; post from a workflow_run job instead)`,
        };
      }
      throw error;
    }
  }

  /**
   * The comment carrying `marker` that this token wrote. Anyone can paste a marker into a
   * comment of their own; only comments by a bot (the job token, an app) or by the token's own
   * user are ever edited, so a report cannot be planted in a comment someone else controls.
   */
  private async findOwn(
    octokit: Octokit,
    route: string,
    where: Record<string, unknown>,
    marker: string,
  ): Promise<Comment | undefined> {
    for await (const page of octokit.paginate.iterator(route, { ...where, per_page: 100 })) {
      for (const comment of page.data as Comment[]) {
        if (!comment.body?.startsWith(marker) || !comment.user) continue;
        if (comment.user.type === 'Bot') return comment;
        if (comment.user.login === (await this.whoAmI(octokit))) return comment;
      }
    }
    return undefined;
  }

  private whoAmI(octokit: Octokit): Promise<string | undefined> {
    // Installation tokens (`ghs_`, the job token among them) comment as a Bot, which findOwn
    // already accepts, and cannot read /user; only a personal token has a user to ask about.
    if (this.currentToken().startsWith('ghs_')) return Promise.resolve(undefined);
    this.identity ??= octokit.rest.users.getAuthenticated().then(
      ({ data }) => data.login,
      () => undefined,
    );
    return this.identity;
  }

  async role(actor: string): Promise<RepositoryRole> {
    const octokit = this.client();
    const repo = this.repo();
    if (!octokit || !repo) {
      throw new McpError(
        `cannot check ${actor}'s permission: ${octokit ? 'GITHUB_REPOSITORY is not set' : 'no token (set the token input or GITHUB_TOKEN)'}`,
      );
    }
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: actor });
      return githubRole(data.role_name, data.permission);
    } catch (error) {
      const status = (error as { status?: number }).status;
      // Not a collaborator (or no such user): no role at all.
      if (status === 404) return 'none';
      if (status === undefined) throw error;
      throw new McpError(
        `cannot check ${actor}'s permission: GitHub answered ${status}${status === 403 || status === 401 ? ' (the token needs metadata: read on this repository)' : ''}`,
      );
    }
  }

  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const octokit = this.client();
    const repo = this.repo();
    if (!octokit) return { status: 'skipped', reason: 'no token: set the token input or GITHUB_TOKEN' };
    if (!repo) return { status: 'skipped', reason: 'GITHUB_REPOSITORY is not set' };
    const ref = request.ref || refName(this.context.ref) || 'main';
    try {
      await octokit.rest.actions.createWorkflowDispatch({
        ...repo,
        workflow_id: request.workflow,
        ref,
        inputs: request.inputs,
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      const why =
        status === 403
          ? 'the token may not start workflows (the job needs `permissions: actions: write`)'
          : status === 404
            ? `no workflow ${request.workflow} on ${ref}`
            : status === 422
              ? `${(error as Error).message} (the workflow needs an \`on: workflow_dispatch\` trigger declaring these inputs)`
              : undefined;
      if (why) throw new McpError(`dispatch ${request.workflow}: GitHub answered ${status}: ${why}`);
      throw error;
    }
    const server = this.options.env.GITHUB_SERVER_URL || 'https://github.com';
    return {
      status: 'dispatched',
      url: `${server}/${this.context.repository}/actions/workflows/${encodeURIComponent(request.workflow)}`,
    };
  }

  async getChange(number: number): Promise<ChangeInfo | undefined> {
    const octokit = this.client();
    const repo = this.repo();
    if (!octokit || !repo) return undefined;
    try {
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
      return { number: data.number, headSha: data.head.sha, baseRef: data.base.ref };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }
}

function githubContext(env: Record<string, string | undefined>, cwd: string): PlatformContext {
  let payload: EventPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
    } catch {
      // A missing or unreadable event file means no PR context, as in a local `act` run.
    }
  }
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const run = payload.workflow_run;
  return {
    repository: env.GITHUB_REPOSITORY,
    sha: payload.pull_request?.head?.sha ?? env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    baseRef: payload.pull_request?.base?.ref || env.GITHUB_BASE_REF || undefined,
    baseSha: payload.pull_request?.base?.sha,
    change: payload.pull_request?.number,
    event: env.GITHUB_EVENT_NAME,
    runUrl:
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    actor: env.GITHUB_ACTOR ?? payload.sender?.login,
    workspace: env.GITHUB_WORKSPACE || cwd,
    workflowRun: run
      ? { headSha: run.head_sha, pullRequests: (run.pull_requests ?? []).map((p) => p.number) }
      : undefined,
  };
}

const ROLES = new Set<RepositoryRole>(['read', 'triage', 'write', 'maintain', 'admin']);

/**
 * `role_name` is one of GitHub's five roles or an organisation's custom role; a custom role is
 * judged by the base `permission` it carries (admin, write, read), never by its name.
 */
function githubRole(roleName: string, permission: string): RepositoryRole {
  if (ROLES.has(roleName as RepositoryRole)) return roleName as RepositoryRole;
  return permission === 'admin'
    ? 'admin'
    : permission === 'write'
      ? 'write'
      : permission === 'read'
        ? 'read'
        : 'none';
}

/** `refs/heads/main` → `main`, `refs/tags/v1` → `v1`; a pull request's merge ref has no branch to run on. */
function refName(ref: string | undefined): string | undefined {
  if (!ref || ref.startsWith('refs/pull/')) return undefined;
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** Workflow command escaping, as the runner expects it. */
function escapeCommand(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
