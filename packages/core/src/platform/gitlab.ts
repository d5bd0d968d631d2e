import { join } from 'node:path';
import { InputError, McpError } from '../errors';
import { GitLabPackageBackend, type ObjectBackend } from '../store';
import { BasePlatform } from './base';
import { writeDotenv } from './dotenv';
import { GitLabDeployments } from './gitlab-deployments';
import { GitLabReleases } from './gitlab-releases';
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

interface Note {
  id: number;
  body: string;
  system?: boolean;
  author?: { username?: string };
}

interface Answer<T> {
  status: number;
  data: T | undefined;
  next?: string;
}

// Project and group access tokens act as bot users named like this.
const BOT_USER = /^(project|group)_\d+_bot/;

/**
 * GitLab CI: inputs come as CLI flags (the component passes them), outputs go to a dotenv
 * report, comments are MR notes through the REST API. The job token may not write notes, so
 * comments need a project or group access token with `api` scope (`token`, or MCP_GITLAB_TOKEN).
 */
export class GitLabPlatform extends BasePlatform {
  readonly name = 'gitlab' as const;
  readonly context: PlatformContext;
  // Notes are capped at 1,000,000 characters; GitLab has no job summary, the report is an artifact.
  readonly limits = { comment: 1_000_000, summary: 1024 * 1024 };
  private sections = 0;
  // Releases take the job token (on its allowlist, like packages); a token given is an access token.
  readonly releases = new GitLabReleases(() => ({
    apiUrl: this.apiBase(),
    project: this.options.env.CI_PROJECT_ID || this.context.repository,
    token: this.token || this.options.env.CI_JOB_TOKEN || this.options.env.MCP_GITLAB_TOKEN || '',
    tokenKind: !this.token && this.options.env.CI_JOB_TOKEN ? 'job' : 'private',
  }));
  readonly deployments = new GitLabDeployments(() => {
    const env = this.options.env;
    const token = this.token || env.CI_JOB_TOKEN || env.MCP_GITLAB_TOKEN || '';
    if (token) this.mask(token);
    const header = !this.token && env.CI_JOB_TOKEN ? 'JOB-TOKEN' : 'PRIVATE-TOKEN';
    return {
      apiUrl: this.apiBase(),
      project: env.CI_PROJECT_ID || this.context.repository,
      projectUrl: env.CI_PROJECT_URL,
      auth: token ? { [header]: token } : undefined,
    };
  });

  constructor(options: PlatformOptions) {
    super(options);
    const env = options.env;
    const iid = Number(env.CI_MERGE_REQUEST_IID);
    this.context = {
      repository: env.CI_PROJECT_PATH,
      sha: env.CI_COMMIT_SHA,
      ref: env.CI_COMMIT_REF_NAME,
      baseRef: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME || undefined,
      baseSha: env.CI_MERGE_REQUEST_DIFF_BASE_SHA || undefined,
      change: Number.isInteger(iid) && iid > 0 ? iid : undefined,
      event: env.CI_PIPELINE_SOURCE,
      runUrl: env.CI_JOB_URL,
      actor: env.GITLAB_USER_LOGIN,
      workspace: env.CI_PROJECT_DIR || options.cwd,
    };
  }

  override async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    // GitLab's collapsible log sections.
    const id = `mcp_${++this.sections}`;
    this.write(
      `\x1b[0Ksection_start:${Math.floor(Date.now() / 1000)}:${id}[collapsed=true]\r\x1b[0K${title}`,
    );
    try {
      return await fn();
    } finally {
      this.write(`\x1b[0Ksection_end:${Math.floor(Date.now() / 1000)}:${id}\r\x1b[0K`);
    }
  }

  override async flush(): Promise<void> {
    const workspace = this.context.workspace;
    const path = this.options.dotenv ?? join(workspace, 'mcp.env');
    const spilled = await writeDotenv(path, this.recorded, workspace, join('.mcp', 'outputs'));
    for (const file of spilled) this.info(`output too large for the dotenv report, written to ${file}`);
  }

  private apiToken(): string {
    const token = this.token || this.options.env.MCP_GITLAB_TOKEN || '';
    if (token) this.mask(token);
    return token;
  }

  private apiBase(): string {
    const env = this.options.env;
    return env.CI_API_V4_URL || `${env.CI_SERVER_URL ?? 'https://gitlab.com'}/api/v4`;
  }

  /**
   * Generic packages take the job token (the package registry is on its allowlist), so a job
   * needs no secret; a token given as input, or MCP_GITLAB_TOKEN outside a job, is sent as a
   * project/group/personal access token.
   */
  override hostedStore(store: HostedStore, input: string): ObjectBackend {
    if (store.kind !== 'gitlab-package') return super.hostedStore(store, input);
    const env = this.options.env;
    const project = env.CI_PROJECT_ID || this.context.repository;
    if (!project) {
      throw new InputError(
        `${input}: gitlab-package needs CI_PROJECT_ID (or CI_PROJECT_PATH), which is not set`,
        input,
      );
    }
    const [token, tokenKind] = this.token
      ? [this.token, 'private' as const]
      : env.CI_JOB_TOKEN
        ? [env.CI_JOB_TOKEN, 'job' as const]
        : [env.MCP_GITLAB_TOKEN ?? '', 'private' as const];
    if (!token) {
      throw new InputError(
        `${input}: gitlab-package needs a token: CI_JOB_TOKEN in a job, or the token input or MCP_GITLAB_TOKEN (an access token with api scope)`,
        input,
      );
    }
    this.mask(token);
    return new GitLabPackageBackend({
      token,
      tokenKind,
      project,
      apiUrl: this.apiBase(),
      packageName: store.name,
    });
  }

  /** The actor's access level among the project's members, inherited ones included. */
  async role(actor: string): Promise<RepositoryRole> {
    if (!this.apiToken()) {
      throw new McpError(
        `cannot check ${actor}'s access level: the job token may not read project members; set MCP_GITLAB_TOKEN (an access token with read_api scope) or the token input`,
      );
    }
    const members = await this.api<{ username: string; access_level: number }[]>(
      'GET',
      `/members/all?query=${encodeURIComponent(actor)}&per_page=100`,
    );
    if (members.status >= 400 || !Array.isArray(members.data)) {
      throw new McpError(`cannot check ${actor}'s access level: GitLab answered ${members.status}`);
    }
    const member = members.data.find((m) => m.username === actor);
    return gitlabRole(member?.access_level ?? 0);
  }

  /**
   * A new pipeline on `ref` with the inputs as CI/CD variables, and `MCP_WORKFLOW` naming what was
   * asked for, so `.gitlab-ci.yml` rules can pick the jobs. A pipeline trigger token
   * (MCP_GITLAB_TRIGGER_TOKEN) uses the trigger API; an access token with api scope the pipelines API.
   * The job token can start pipelines only in other projects.
   */
  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const ref = request.ref || this.context.ref || 'main';
    const variables = { MCP_WORKFLOW: request.workflow, ...request.inputs };
    const trigger = this.options.env.MCP_GITLAB_TRIGGER_TOKEN;
    let answer: Answer<{ id: number; web_url?: string }>;
    if (trigger) {
      this.mask(trigger);
      answer = await this.api('POST', '/trigger/pipeline', { token: trigger, ref, variables }, {});
    } else if (this.apiToken()) {
      answer = await this.api('POST', '/pipeline', {
        ref,
        variables: Object.entries(variables).map(([key, value]) => ({ key, value })),
      });
    } else {
      return {
        status: 'skipped',
        reason:
          'starting a pipeline needs MCP_GITLAB_TRIGGER_TOKEN (a pipeline trigger token) or an access token with api scope (token input or MCP_GITLAB_TOKEN); the job token cannot',
      };
    }
    if (answer.status >= 400 || !answer.data) {
      const said = (answer.data as { message?: unknown } | undefined)?.message;
      throw new McpError(
        `starting a pipeline on ${ref}: GitLab answered ${answer.status}${said ? `: ${JSON.stringify(said)}` : ''}`,
      );
    }
    return { status: 'dispatched', url: answer.data.web_url };
  }

  private async api<T>(
    method: string,
    path: string,
    body?: unknown,
    auth: Record<string, string> = { 'PRIVATE-TOKEN': this.apiToken() },
  ): Promise<Answer<T>> {
    const env = this.options.env;
    const base = this.apiBase();
    const project = encodeURIComponent(env.CI_PROJECT_ID || this.context.repository || '');
    let response: Response | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      response = await fetch(`${base}/projects/${project}${path}`, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // 429 and 5xx are transient on gitlab.com; anything else is the answer.
      if (response.status !== 429 && response.status < 500) break;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    const answer = response as Response;
    const text = await answer.text();
    let data: T | undefined;
    try {
      data = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      // An HTML error page from a proxy: the status says enough.
    }
    return { status: answer.status, data, next: answer.headers.get('x-next-page') || undefined };
  }

  async upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult> {
    if (!this.apiToken()) {
      return {
        status: 'skipped',
        reason:
          'no token for MR notes: the job token cannot write them; set MCP_GITLAB_TOKEN (a project or group access token with api scope) or the token input',
      };
    }
    if (target.kind === 'commit') return this.commitComment(target.sha, marker, body);
    const notes = `/merge_requests/${target.number}/notes`;
    let page: string | undefined = '1';
    let own: Note | undefined;
    while (page && !own) {
      const list: Answer<Note[]> = await this.api<Note[]>('GET', `${notes}?per_page=100&page=${page}`);
      if (list.status >= 400 || !Array.isArray(list.data)) return this.denied(list.status);
      // Only a note by a bot user (our token's kind) is ours to edit; anyone can paste a marker.
      own = list.data.find(
        (n) => !n.system && n.body.startsWith(marker) && BOT_USER.test(n.author?.username ?? ''),
      );
      page = list.next;
    }
    if (own) {
      const updated = await this.api<Note>('PUT', `${notes}/${own.id}`, { body });
      if (updated.status < 400)
        return { status: 'updated', id: String(own.id), url: this.noteUrl(target.number, own.id) };
    }
    const created = await this.api<Note>('POST', notes, { body });
    if (created.status >= 400 || !created.data) return this.denied(created.status);
    return {
      status: 'created',
      id: String(created.data.id),
      url: this.noteUrl(target.number, created.data.id),
    };
  }

  /** Commit comments cannot be edited through the API: a re-run leaves the first one alone. */
  private async commitComment(sha: string, marker: string, body: string): Promise<CommentResult> {
    const comments = `/repository/commits/${encodeURIComponent(sha)}/comments`;
    let page: string | undefined = '1';
    while (page) {
      const list: Answer<{ note: string }[]> = await this.api('GET', `${comments}?per_page=100&page=${page}`);
      if (list.status >= 400 || !Array.isArray(list.data)) return this.denied(list.status);
      if (list.data.some((c) => c.note.startsWith(marker))) {
        return {
          status: 'skipped',
          reason: 'the commit already has this report (GitLab cannot edit commit comments)',
        };
      }
      page = list.next;
    }
    const created = await this.api<{ note: string }>('POST', comments, { note: body });
    if (created.status >= 400) return this.denied(created.status);
    return { status: 'created', id: sha };
  }

  async getChange(number: number): Promise<ChangeInfo | undefined> {
    if (!this.apiToken()) return undefined;
    const mr = await this.api<{ iid: number; sha: string; target_branch: string }>(
      'GET',
      `/merge_requests/${number}`,
    );
    if (mr.status >= 400 || !mr.data) return undefined;
    return { number: mr.data.iid, headSha: mr.data.sha, baseRef: mr.data.target_branch };
  }

  private denied(status: number): CommentResult {
    return {
      status: 'skipped',
      reason: `GitLab answered ${status}: the token cannot write notes here (it needs api scope and at least Reporter access)`,
    };
  }

  private noteUrl(iid: number, id: number): string | undefined {
    const server = this.options.env.CI_PROJECT_URL;
    return server ? `${server}/-/merge_requests/${iid}#note_${id}` : undefined;
  }
}

/** GitLab's access levels in GitHub's role names: Developer may push, Maintainer may release. */
function gitlabRole(level: number): RepositoryRole {
  if (level >= 50) return 'admin';
  if (level >= 40) return 'maintain';
  if (level >= 30) return 'write';
  if (level >= 10) return 'read';
  return 'none';
}
