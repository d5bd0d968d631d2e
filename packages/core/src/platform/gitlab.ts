import { join, relative } from 'node:path';
import { BasePlatform } from './base';
import { writeDotenv } from './dotenv';
import { appendFileEnsuringDir } from './files';
import type { CommentResult, CommentTarget, PlatformContext, PlatformOptions } from './types';

interface Note {
  id: number;
  body: string;
}

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

  constructor(options: PlatformOptions) {
    super(options);
    const env = options.env;
    const iid = Number(env.CI_MERGE_REQUEST_IID);
    this.context = {
      repository: env.CI_PROJECT_PATH,
      sha: env.CI_COMMIT_SHA,
      ref: env.CI_COMMIT_REF_NAME,
      baseRef: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME || undefined,
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
    const spilled = await writeDotenv(path, this.recorded, join(workspace, '.mcp', 'outputs'));
    for (const file of spilled)
      this.info(`output too large for the dotenv report, written to ${relative(workspace, file)}`);
  }

  async appendSummary(markdown: string): Promise<void> {
    await appendFileEnsuringDir(join(this.context.workspace, '.mcp', 'summary.md'), `${markdown}\n`);
  }

  private token(): string {
    const token = this.input('token') || this.options.env.MCP_GITLAB_TOKEN || '';
    if (token) this.mask(token);
    return token;
  }

  private async api<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: T; next?: string }> {
    const base =
      this.options.env.CI_API_V4_URL || `${this.options.env.CI_SERVER_URL ?? 'https://gitlab.com'}/api/v4`;
    const project = encodeURIComponent(this.options.env.CI_PROJECT_ID || this.context.repository || '');
    let last: Response | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      last = await fetch(`${base}/projects/${project}${path}`, {
        method,
        headers: { 'PRIVATE-TOKEN': this.token(), 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // 429 and 5xx are transient on gitlab.com; anything else is the answer.
      if (last.status !== 429 && last.status < 500) break;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    const response = last as Response;
    const text = await response.text();
    const data = (text ? JSON.parse(text) : undefined) as T;
    return { status: response.status, data, next: response.headers.get('x-next-page') || undefined };
  }

  async upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult> {
    if (!this.token()) {
      return {
        status: 'skipped',
        reason:
          'no token for MR notes: the job token cannot write them; set MCP_GITLAB_TOKEN (a project or group access token with api scope) or the token input',
      };
    }
    const collection =
      target.kind === 'change'
        ? `/merge_requests/${target.number}/notes`
        : `/repository/commits/${encodeURIComponent(target.sha)}/comments`;
    if (target.kind === 'change') {
      let page: string | undefined = '1';
      while (page) {
        const list: { status: number; data: Note[]; next?: string } = await this.api<Note[]>(
          'GET',
          `${collection}?per_page=100&page=${page}&sort=asc&order_by=created_at`,
        );
        if (list.status >= 400) return this.denied(list.status);
        const found = list.data.find((note) => note.body.includes(marker));
        if (found) {
          const updated = await this.api<Note>('PUT', `${collection}/${found.id}`, { body });
          if (updated.status >= 400) return this.denied(updated.status);
          return { status: 'updated', id: String(found.id), url: this.noteUrl(target.number, found.id) };
        }
        page = list.next;
      }
      const created = await this.api<Note>('POST', collection, { body });
      if (created.status >= 400) return this.denied(created.status);
      return {
        status: 'created',
        id: String(created.data.id),
        url: this.noteUrl(target.number, created.data.id),
      };
    }
    // Commit comments cannot be edited through the API: a re-run leaves the first one alone.
    const existing = await this.api<{ note: string }[]>('GET', `${collection}?per_page=100`);
    if (existing.status >= 400) return this.denied(existing.status);
    if (existing.data.some((c) => c.note.includes(marker))) {
      return {
        status: 'skipped',
        reason: 'the commit already has this report (GitLab cannot edit commit comments)',
      };
    }
    const created = await this.api<{ note: string }>('POST', collection, { note: body });
    if (created.status >= 400) return this.denied(created.status);
    return { status: 'created', id: target.sha };
  }

  async getChange(number: number): Promise<{ number: number; headSha: string; baseRef: string } | undefined> {
    if (!this.token()) return undefined;
    const mr = await this.api<{ iid: number; sha: string; target_branch: string }>(
      'GET',
      `/merge_requests/${number}`,
    );
    if (mr.status >= 400) return undefined;
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
