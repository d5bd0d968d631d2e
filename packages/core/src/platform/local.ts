import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BasePlatform } from './base';
import { fileNameFor, writeFileAtomic } from './files';
import type {
  CommentResult,
  CommentTarget,
  DispatchRequest,
  DispatchResult,
  PlatformContext,
  PlatformOptions,
} from './types';

const run = promisify(execFile);

/**
 * The embedded default, for a laptop or any other CI: logs to stderr, the summary and "comments"
 * as files under `.mcp/` (a comment keyed by its marker is overwritten, as a sticky comment is).
 */
export class LocalPlatform extends BasePlatform {
  readonly name = 'local' as const;
  readonly limits = { comment: 65_536, summary: 1024 * 1024 };

  private constructor(
    options: PlatformOptions,
    readonly context: PlatformContext,
  ) {
    super(options);
  }

  static async create(options: PlatformOptions): Promise<LocalPlatform> {
    const workspace = options.cwd;
    const git = async (...args: string[]) =>
      (await run('git', args, { cwd: workspace }).catch(() => ({ stdout: '' }))).stdout.trim() || undefined;
    return new LocalPlatform(options, {
      workspace,
      sha: await git('rev-parse', 'HEAD'),
      ref: await git('symbolic-ref', '--short', '-q', 'HEAD'),
      actor: options.env.USER,
    });
  }

  async upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult> {
    const key = `${target.kind === 'change' ? `change-${target.number}` : `commit-${target.sha}`}-${fileNameFor(marker)}`;
    const path = join(this.context.workspace, '.mcp', 'comments', `${key}.md`);
    const existed = existsSync(path);
    await writeFileAtomic(path, body);
    return { status: existed ? 'updated' : 'created', id: key, url: path };
  }

  async role(_actor: string): Promise<undefined> {
    // A local run is in your own clone: there is no host to ask who may do what.
    return undefined;
  }

  async dispatch(_request: DispatchRequest): Promise<DispatchResult> {
    return { status: 'skipped', reason: 'no CI host to start a workflow on (local run)' };
  }

  async getChange(): Promise<undefined> {
    // Locally there is no pull request to look up.
    return undefined;
  }
}
