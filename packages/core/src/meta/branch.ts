import { createHash, randomUUID } from 'node:crypto';
import { McpError } from '../errors';
import { MetaBranchError, RecordConflict } from './errors';
import { type GitResult, gitComplaint, runGit } from './git';
import { checkRecordPath, redact, refuseSecrets } from './guard';
import { ObjectReader } from './objects';
import { DEFAULT_RETRY, type RetryPolicy, retryWithBackoff, type Step } from './retry';
import { MetaView } from './view';

export { DEFAULT_RETRY, type RetryPolicy } from './retry';

export interface MetaBranchOptions {
  /** A directory inside the repository (the workspace). */
  cwd: string;
  /** Remote name or URL; credentials are whatever git is configured with (actions/checkout persists them). */
  remote?: string;
  branch?: string;
  /** Author and committer of the branch's commits. */
  author: { name: string; email: string };
  /** Progress lines (retries). */
  log?: (line: string) => void;
  /** git's environment (PATH, HOME for credentials); the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** Values never to be written or logged (tokens). Read at each write, so a live `Set` works. */
  secrets?: Iterable<string>;
  retry?: Partial<RetryPolicy>;
}

/** What a transaction writes: new files (path → content), all in one commit. */
export interface MetaWrite {
  files: Record<string, string>;
  message: string;
}

/** Decides what to write from the tip it is given; run again on every retry, so keep it pure. */
export type Transaction = (view: MetaView) => Promise<MetaWrite | undefined>;

export interface TransactResult {
  /** The commit that holds the write; the unchanged tip when there was nothing new to write. */
  commit: string | undefined;
  attempts: number;
  /** Paths this transaction created (files already there with the same content are left out). */
  written: string[];
}

const README = `# mcp-meta

Records of mcp runs: data versions, training runs, model versions,
deployments, and the audit log (\`audit/\`), one JSON file each. mcp only ever adds files here;
\`mcp audit verify\` detects an edited or removed record. Please do not edit this branch by hand.
`;

// Another git process in the same repository (a second job on one runner) holds a ref or shallow lock.
const LOCKED = /cannot lock ref|unable to create '[^']*\.lock'|could not be updated|failed to lock/i;
// A push that lost a race: the branch moved (or was created) since our fetch.
const MOVED =
  /\[rejected\]|fetch first|non-fast-forward|failed to update ref|cannot lock ref|incorrect old value/i;

/**
 * The `mcp-meta` branch: an orphan branch of JSON records in the user's own repository. Only git
 * plumbing (a fetch into a private ref, `cat-file`, `fast-import`, a push of a commit id), so the
 * working tree, index, HEAD and FETCH_HEAD stay as the user left them. Pushes are fast-forward
 * only; a lost race is re-fetched and re-applied. Needs git 2.29 or later.
 */
export class MetaBranch {
  readonly remote: string;
  readonly branch: string;
  private readonly privateRef: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly retry: RetryPolicy;
  private current: MetaView | undefined;
  private shallow: boolean | undefined;
  private readonly objects: ObjectReader;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MetaBranchOptions) {
    this.remote = options.remote ?? 'origin';
    this.branch = options.branch ?? 'mcp-meta';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(this.branch) || this.branch.includes('..')) {
      throw new McpError(`mcp-meta branch name ${JSON.stringify(this.branch)} is not a plain branch name`);
    }
    const remoteKey = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(this.remote)
      ? this.remote
      : `url-${createHash('sha256').update(this.remote).digest('hex').slice(0, 12)}`;
    this.privateRef = `refs/mcp/${remoteKey}/${this.branch}`;
    const { name, email } = options.author;
    if (!name.trim() || !email.trim() || /[<>\n]/.test(name + email)) {
      throw new McpError(
        `mcp-meta author ${JSON.stringify(`${name} <${email}>`)} is not a valid git identity`,
      );
    }
    // No prompt can be answered in CI, and git's messages are matched in English.
    this.env = { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.objects = new ObjectReader(options.cwd, this.env);
  }

  /** Fetches the branch; reads then see this tip. Undefined while the branch does not exist. */
  fetch(): Promise<string | undefined> {
    return this.exclusive(async () => (await this.retrying(() => this.fetchView())).tip);
  }

  /** The branch as last fetched (fetched now if it never was); inside a transaction, its tip. */
  snapshot(): Promise<MetaView> {
    if (this.current) return Promise.resolve(this.current);
    return this.exclusive(async () => this.current ?? this.retrying(() => this.fetchView()));
  }

  async read(path: string): Promise<string | undefined> {
    return (await this.snapshot()).read(path);
  }

  async list(dir: string): Promise<string[]> {
    return (await this.snapshot()).list(dir);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.snapshot()).exists(path);
  }

  /**
   * Fetch, run `transaction` on the tip, commit its files on top, push. A rejected push starts
   * over from a fresh fetch, so what is written always follows from the tip it lands on.
   * Files are create-only: an existing path with other content throws `RecordConflict`, with
   * the same content it is skipped (re-runs are idempotent).
   */
  transact(transaction: Transaction): Promise<TransactResult> {
    return this.exclusive(() => {
      let attempts = 0;
      return this.retrying(async () => {
        attempts++;
        const step = await this.attempt(transaction);
        return 'done' in step ? { done: { ...step.done, attempts } } : step;
      });
    });
  }

  private async attempt(transaction: Transaction): Promise<Step<Omit<TransactResult, 'attempts'>>> {
    const fetched = await this.fetchView();
    if ('retry' in fetched) return fetched;
    const view = fetched.done;
    const write = await transaction(view);
    const files = write ? await this.newFiles(view, write) : [];
    if (!write || files.length === 0) return { done: { commit: view.tip, written: [] } };
    if (!view.tip && !files.some(([path]) => path === 'README.md')) files.push(['README.md', README]);
    const commit = await this.commit(view.tip, files, write.message.trim());
    const pushed = await this.push(commit);
    if ('retry' in pushed) return pushed;
    // Keeps the new commit reachable here too. Compare-and-swap, best effort: a newer tip that
    // another process in this repository fetched meanwhile stays.
    await this.git(['update-ref', this.privateRef, commit, view.tip ?? '']);
    this.current = this.view(commit);
    return { done: { commit, written: files.map(([path]) => path).filter((p) => p in write.files) } };
  }

  /** Validated files of `write` that the tip lacks. */
  private async newFiles(view: MetaView, write: MetaWrite): Promise<[string, string][]> {
    const secrets = [...(this.options.secrets ?? [])];
    const message = write.message.trim();
    if (message === '') throw new McpError('a write to mcp-meta needs a commit message');
    refuseSecrets('the commit message', message, secrets);
    const entries = Object.entries(write.files);
    for (const [path, content] of entries) {
      checkRecordPath(path);
      refuseSecrets(path, content, secrets);
    }
    const existing = await view.readMany(entries.map(([path]) => path));
    return entries.filter(([path, content]) => {
      const before = existing.get(path);
      if (before !== undefined && before !== content) throw new RecordConflict(path);
      return before === undefined;
    });
  }

  private async fetchView(): Promise<Step<MetaView>> {
    const args = ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules'];
    // Housekeeping is the user's git's to schedule, not a cost of every write.
    args.push('--no-auto-maintenance', '--no-show-forced-updates');
    // A shallow checkout stays shallow; a full clone is not made shallow behind the user's back.
    if (await this.isShallow()) args.push('--depth=1');
    args.push(this.remote, `+refs/heads/${this.branch}:${this.privateRef}`);
    const result = await this.git(args);
    let tip: string | undefined;
    if (result.code === 0) {
      const commit = await this.objects.get(`${this.privateRef}^{commit}`);
      if (!commit) throw new MetaBranchError(`${this.privateRef} vanished right after the fetch`);
      tip = commit.oid;
    } else if (/couldn't find remote ref/i.test(result.stderr)) {
      tip = undefined;
    } else if (LOCKED.test(result.stderr)) {
      return { retry: 'another git process holds a lock in this repository' };
    } else {
      throw this.failure(`cannot fetch ${this.branch} from ${this.remote}`, result);
    }
    this.current = this.view(tip);
    return { done: this.current };
  }

  private async isShallow(): Promise<boolean> {
    if (this.shallow === undefined) {
      const result = await this.git(['rev-parse', '--is-shallow-repository']);
      if (result.code !== 0) {
        throw new MetaBranchError(
          `${this.options.cwd} is not inside a git repository (mcp-meta is a branch of it): ${gitComplaint(result)}`,
        );
      }
      this.shallow = result.stdout.toString().trim() === 'true';
    }
    return this.shallow;
  }

  /**
   * A commit of `files` on top of `parent`, from one `git fast-import`: blobs, trees and the commit
   * in one process (a write is raced, so every process inside the race window counts). The stream
   * names a scratch ref only to reset it: no ref is written, the commit comes back by `get-mark`,
   * and `done` makes a stream cut short by a crash write nothing that anything points to.
   */
  private async commit(parent: string | undefined, files: [string, string][], message: string) {
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    const { name, email } = this.options.author;
    const scratch = `refs/mcp/scratch/${randomUUID()}`;
    const stream = [
      'feature done\n',
      `commit ${scratch}\nmark :1\n`,
      `author ${name} <${email}> now\ncommitter ${name} <${email}> now\n`,
      data(`${message}\n`),
      parent ? `from ${parent}\n` : '',
      ...files.map(([path, content]) => `M 100644 inline ${path}\n${data(content)}`),
      `\nget-mark :1\nreset ${scratch}\n\ndone\n`,
    ].join('');
    const out = await this.must(['fast-import', '--quiet', '--date-format=now'], { input: stream });
    const commit = out.trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
      throw new MetaBranchError(`git fast-import did not name the commit it made: ${JSON.stringify(out)}`);
    }
    return commit;
  }

  /** Fast-forward only: never `--force`. Hooks are skipped: a pre-push test suite is not ours to run. */
  private async push(commit: string): Promise<Step<true>> {
    const ref = `refs/heads/${this.branch}`;
    const args = ['push', '--porcelain', '--no-verify', '--no-signed', this.remote, `${commit}:${ref}`];
    const result = await this.git(args);
    if (result.code === 0) return { done: true };
    const line = result.stdout
      .toString('utf8')
      .split('\n')
      .find((l) => l.startsWith('!'));
    if (line && MOVED.test(line)) return { retry: `the push was rejected (${line.split('\t')[2] ?? line})` };
    const reason = line ? (line.split('\t')[2] ?? line) : gitComplaint(result);
    const hint = /denied|403|permission|authenticat|could not read username/i.test(reason)
      ? ' (the job needs write access: on GitHub `permissions: contents: write`; on GitLab a token with write_repository)'
      : '';
    throw new MetaBranchError(
      redact(`cannot push ${this.branch} to ${this.remote}: ${reason}${hint}`, this.secrets()),
    );
  }

  private retrying<T>(step: () => Promise<Step<T>>): Promise<T> {
    return retryWithBackoff(step, this.retry, {
      log: (line) => this.options.log?.(`${this.branch}: ${line}`),
      giveUp: (attempts, reason) =>
        new MetaBranchError(
          `gave up on ${this.branch} at ${this.remote} after ${attempts} attempts: ${reason}. Other jobs may be writing heavily; run again.`,
        ),
    });
  }

  private view(tip: string | undefined): MetaView {
    return new MetaView(tip, this.objects, (args, input) => this.git(args, input));
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private secrets(): string[] {
    return [...(this.options.secrets ?? [])];
  }

  private failure(what: string, result: GitResult): MetaBranchError {
    return new MetaBranchError(redact(`${what}: ${gitComplaint(result)}`, this.secrets()));
  }

  private git(args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<GitResult> {
    return runGit(this.options.cwd, args, { env: env ? { ...this.env, ...env } : this.env, input });
  }

  private async must(args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
    const result = await this.git(args, extra.input, extra.env);
    if (result.code !== 0) throw this.failure(`git ${args[0]} failed`, result);
    return result.stdout.toString('utf8');
  }
}
