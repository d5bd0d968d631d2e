import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpError } from '../errors';
import { gitComplaint, redact, retryWithBackoff, runGit, type Step } from '../meta';
import { applyAssignments, parseSetLines } from './gitops-file';
import type { ProviderResult, ProviderSettings } from './providers';
import { renderPlain, type TemplateValues } from './template';

export interface GitopsRuntime {
  /** A directory inside the repository (the workspace); also where commands run. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Author and committer of gitops commits. */
  author?: { name: string; email: string };
  log?: (line: string) => void;
  /** Tries in all and the first backoff; doubled each time up to 5 s, with full jitter. */
  retry?: { attempts: number; baseMs: number };
  /** Values never to be logged (tokens in a remote URL). */
  secrets?: Iterable<string>;
}

// A push that lost a race: the branch moved since our fetch.
const MOVED =
  /\[rejected\]|fetch first|non-fast-forward|failed to update ref|cannot lock ref|incorrect old value/i;

/**
 * Writes the weights into a file of the repository and pushes one commit, with plumbing only
 * (a private ref, a temporary index, `commit-tree`), so the job's checkout, index and HEAD stay
 * as they are. A rejected push (someone else pushed meanwhile) re-fetches and re-applies the
 * change on top of theirs, with jittered backoff; never a force-push.
 */
export async function setWeightByGitops(
  settings: Extract<ProviderSettings, { type: 'gitops' }>,
  runtime: GitopsRuntime,
  values: TemplateValues,
): Promise<ProviderResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const assignments = parseSetLines(settings.set.map((s) => `${s.path} = ${s.value}`).join('\n'));
  const name = runtime.author?.name ?? 'mcp';
  const email = runtime.author?.email ?? 'mcp@users.noreply.github.com';
  const env: NodeJS.ProcessEnv = {
    ...runtime.env,
    // No prompt can be answered in CI, and git's messages are matched in English.
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
  const git = (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) =>
    runGit(runtime.cwd, args, { env: { ...env, ...extra }, input });
  // Steps that fail only when something is broken (no repository, a full disk): one line, and stop.
  const must = async (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) => {
    const result = await git(args, input, extra);
    if (result.code !== 0) throw new GitopsError(`git ${args[0]}: ${gitComplaint(result)}`);
    return result.stdout.toString('utf8');
  };
  const privateRef = `refs/mcp/gitops/${settings.branch.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const scratch = await mkdtemp(join(tmpdir(), 'mcp-gitops-'));
  let attempt = 0;
  /** One fetch, apply, commit and push; a lost race is tried again from a fresh fetch. */
  const apply = async (shallow: boolean): Promise<Step<string>> => {
    attempt++;
    const depth = shallow ? ['--depth=1'] : [];
    const fetched = await git([
      ...['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', ...depth],
      ...[settings.remote, `+refs/heads/${settings.branch}:${privateRef}`],
    ]);
    if (fetched.code !== 0)
      throw new GitopsError(`cannot fetch ${settings.branch}: ${gitComplaint(fetched)}`);
    const tip = (await must(['rev-parse', `${privateRef}^{commit}`])).trim();
    const [mode = '', type = ''] = (await must(['ls-tree', tip, '--', settings.file])).trim().split(/\s+/);
    if (type !== 'blob') throw new GitopsError(`${settings.file} is not a file on ${settings.branch}`);
    const before = await must(['cat-file', 'blob', `${tip}:${settings.file}`]);
    const after = applyAssignments(before, settings.file, assignments, values);
    if (after === before)
      return { done: `${settings.file} already holds these weights at ${tip.slice(0, 12)}` };
    const blob = (await must(['hash-object', '-w', '--stdin'], after)).trim();
    const index = { GIT_INDEX_FILE: join(scratch, `index-${attempt}`) };
    await must(['read-tree', tip], undefined, index);
    await must(['update-index', '--cacheinfo', `${mode},${blob},${settings.file}`], undefined, index);
    const tree = (await must(['write-tree'], undefined, index)).trim();
    const message = renderPlain('mcp: {model} {version} at {weight}% in {environment}', values);
    const commit = (await must(['commit-tree', tree, '-p', tip, '-m', message])).trim();
    // Fast-forward only: never --force. Hooks are skipped: a pre-push test suite is not ours to run.
    const pushed = await git([
      'push',
      '--porcelain',
      '--no-verify',
      settings.remote,
      `${commit}:refs/heads/${settings.branch}`,
    ]);
    if (pushed.code === 0) {
      await git(['update-ref', privateRef, commit]);
      return { done: `pushed ${commit.slice(0, 12)} to ${settings.branch}` };
    }
    const line =
      pushed.stdout
        .toString('utf8')
        .split('\n')
        .find((l) => l.startsWith('!')) ?? '';
    if (MOVED.test(line)) return { retry: `gitops: ${settings.branch} moved while we committed` };
    throw new GitopsError(
      `cannot push to ${settings.branch}: ${line.split('\t')[2] ?? gitComplaint(pushed)}`,
    );
  };
  try {
    const shallow = (await must(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
    const detail = await retryWithBackoff(
      () => apply(shallow),
      { attempts: runtime.retry?.attempts ?? 10, baseMs: runtime.retry?.baseMs ?? 200, capMs: 5000 },
      {
        log: runtime.log,
        giveUp: (attempts) =>
          new GitopsError(
            `gave up pushing to ${settings.branch} after ${attempts} attempts: others keep pushing`,
          ),
      },
    );
    return { ok: true, ms: ms(), detail };
  } catch (error) {
    if (!(error instanceof GitopsError) && !(error instanceof McpError)) throw error;
    return { ok: false, ms: ms(), error: redact(`gitops: ${error.message}`, [...(runtime.secrets ?? [])]) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Why the weights could not be committed: a failed step, not a bug. */
class GitopsError extends Error {
  override name = 'GitopsError';
}
