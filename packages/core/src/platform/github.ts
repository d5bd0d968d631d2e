import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { BasePlatform } from './base';
import type { CommentResult, CommentTarget, PlatformContext, PlatformOptions } from './types';

type Octokit = ReturnType<typeof getOctokit>;

interface EventPayload {
  pull_request?: { number: number; base?: { ref?: string }; head?: { sha?: string } };
  workflow_run?: {
    head_sha: string;
    pull_requests?: { number: number }[];
    head_repository?: { full_name?: string };
  };
  sender?: { login?: string };
}

/** GitHub Actions: inputs from `INPUT_*`, outputs and summary through file commands, REST via Octokit. */
export class GitHubPlatform extends BasePlatform {
  readonly name = 'github' as const;
  readonly context: PlatformContext;
  // Comment bodies are capped at 65,536 characters; a step summary at 1 MiB.
  readonly limits = { comment: 65_536, summary: 1024 * 1024 };
  private octokit?: Octokit;

  constructor(options: PlatformOptions) {
    super(options);
    this.context = githubContext(options.env, options.cwd);
  }

  override input(name: string): string {
    if (this.options.inputs) return super.input(name);
    // The runner's convention (same as @actions/core): spaces become `_`, upper case, `-` kept.
    return (this.options.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  override setOutput(name: string, value: string): void {
    super.setOutput(name, value);
    if (this.options.env.GITHUB_OUTPUT) core.setOutput(name, value);
  }

  override info(message: string): void {
    this.write(this.redact(message));
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

  override mask(secret: string): void {
    super.mask(secret);
    if (secret) this.write(`::add-mask::${escapeCommand(secret)}`);
  }

  override async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.write(`::group::${escapeCommand(title)}`);
    try {
      return await fn();
    } finally {
      this.write('::endgroup::');
    }
  }

  async appendSummary(markdown: string): Promise<void> {
    if (!this.options.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  }

  private client(): Octokit | undefined {
    if (this.octokit) return this.octokit;
    const token = this.input('token') || this.options.env.GITHUB_TOKEN || '';
    if (!token) return undefined;
    this.mask(token);
    this.octokit = getOctokit(
      token,
      { baseUrl: this.options.env.GITHUB_API_URL || 'https://api.github.com', request: { retries: 2 } },
      retry,
    );
    return this.octokit;
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
    try {
      if (target.kind === 'change') {
        const params = { ...repo, issue_number: target.number, per_page: 100 };
        for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, params)) {
          const found = page.data.find((c) => c.body?.includes(marker));
          if (found) {
            const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: found.id, body });
            return { status: 'updated', id: String(data.id), url: data.html_url };
          }
        }
        const { data } = await octokit.rest.issues.createComment({
          ...repo,
          issue_number: target.number,
          body,
        });
        return { status: 'created', id: String(data.id), url: data.html_url };
      }
      const params = { ...repo, commit_sha: target.sha, per_page: 100 };
      for await (const page of octokit.paginate.iterator(octokit.rest.repos.listCommentsForCommit, params)) {
        const found = page.data.find((c) => c.body?.includes(marker));
        if (found) {
          const { data } = await octokit.rest.repos.updateCommitComment({
            ...repo,
            comment_id: found.id,
            body,
          });
          return { status: 'updated', id: String(data.id), url: data.html_url };
        }
      }
      const { data } = await octokit.rest.repos.createCommitComment({
        ...repo,
        commit_sha: target.sha,
        body,
      });
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

  async getChange(number: number): Promise<{ number: number; headSha: string; baseRef: string } | undefined> {
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
    change: payload.pull_request?.number,
    event: env.GITHUB_EVENT_NAME,
    runUrl:
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    actor: env.GITHUB_ACTOR ?? payload.sender?.login,
    workspace: env.GITHUB_WORKSPACE || cwd,
    workflowRun: run
      ? {
          headSha: run.head_sha,
          pullRequests: (run.pull_requests ?? []).map((p) => p.number),
          headRepository: run.head_repository?.full_name,
        }
      : undefined,
  };
}

/** Workflow command escaping, as the runner expects it. */
function escapeCommand(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
