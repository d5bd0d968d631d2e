import { createHash } from 'node:crypto';
import { InputError, McpError } from '../errors';
// The git runner of mcp-meta: plumbing output as bytes and the exit code left to the caller.
import {
  DEFAULT_RETRY,
  type GitResult,
  gitComplaint,
  type RetryPolicy,
  redact,
  refuseSecrets,
  retryWithBackoff,
  runGit,
  SecretInRecord,
  type Step,
} from '../meta';
import { type ParsedTag, parseTag } from './grammar';

export interface Identity {
  name: string;
  email: string;
}

/** One annotated tag of the registry grammar, as read from git. */
export interface TagRecord {
  tag: string;
  parsed: ParsedTag;
  /** The tag object. */
  object: string;
  /** The commit it points to. */
  commit: string;
  /** Tagger time, seconds since the epoch: GTO's `created_at`. */
  time: number;
  tagger: Identity;
  /** Subject and body, as GTO shows it. */
  message: string;
  /** `Mcp-*` trailers of the message's last paragraph. */
  trailers: Record<string, string>;
}

export interface RegistryGitOptions {
  /** A directory inside the repository (the workspace). */
  cwd: string;
  /**
   * The remote holding the registry (name or URL; credentials are git's). `null` keeps the
   * registry in this repository's own `refs/tags`, for a repository without a remote.
   */
  remote?: string | null;
  /** Who tags: GTO shows the tagger as the author of an event. */
  tagger: Identity;
  /** git's environment; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Values never to be written to a tag or logged (tokens). */
  secrets?: Iterable<string>;
  retry?: Partial<RetryPolicy>;
}

/** A step of a raced write: done, or lost to another writer and worth another try. */
export type { Step } from '../meta';

export class RegistryError extends McpError {
  override name = 'RegistryError';
}

// Another git process in the same repository holds a ref lock (two jobs on one runner).
const LOCKED = /cannot lock ref|unable to create '[^']*\.lock'|failed to lock/i;
// A tag push that lost a race: the tag appeared on the remote since we read it.
const TAKEN = /already exists|\[rejected\]|failed to update ref|cannot lock ref|incorrect old value/i;

const FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(taggerdate:raw)',
  '%(taggername)',
  '%(taggeremail)',
  '%(contents:subject)',
  '%(contents:body)',
];

/**
 * The registry's git side: annotated tags read from and pushed to the remote with plumbing only.
 * Remote tags are mirrored into a private namespace (`refs/mcp/tags/<remote>/`), so the user's own
 * tags, working tree and FETCH_HEAD stay as they were; pushes create tags and never force.
 */
export class RegistryGit {
  readonly remote: string | null;
  /** Where the registry's tags are read from: the mirror of the remote's, or `refs/tags`. */
  readonly namespace: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly retryPolicy: RetryPolicy;
  private shallow: boolean | undefined;

  constructor(private readonly options: RegistryGitOptions) {
    this.remote = options.remote === undefined ? 'origin' : options.remote;
    const remote = this.remote;
    const key =
      remote === null || /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(remote)
        ? remote
        : `url-${createHash('sha256').update(remote).digest('hex').slice(0, 12)}`;
    this.namespace = key === null ? 'refs/tags' : `refs/mcp/tags/${key}`;
    const { name, email } = options.tagger;
    // `git mktag` refuses these, with a message about fsck that would only confuse.
    if (!name.trim() || !email.trim() || /[<>\n]/.test(name + email)) {
      throw new McpError(`tagger ${JSON.stringify(`${name} <${email}>`)} is not a valid git identity`);
    }
    // No prompt can be answered in CI, and git's messages are matched in English.
    this.env = { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** Every registry tag as the remote has it now (this repository's when `remote` is null). */
  async readTags(): Promise<TagRecord[]> {
    if (this.remote === null) return (await this.listTags()).records;
    return this.retrying(() => this.mirror());
  }

  /** The full id of the commit `rev` names; `input` is blamed when there is none. */
  async resolveCommit(rev: string, input = 'commit'): Promise<string> {
    // A revision that starts with "-" would be read as an option.
    const result = rev.startsWith('-')
      ? undefined
      : await this.git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    const commit = result?.stdout.toString('utf8').trim() ?? '';
    if (result?.code !== 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
      throw new InputError(`${input}: "${rev}" is not a commit in this repository`, input);
    }
    return commit;
  }

  /**
   * Writes an annotated tag object (no ref yet) with `git mktag`, which checks it as fsck does.
   * The tagger time is given, not read from a clock here, so tests can order events.
   */
  async createTag(tag: string, commit: string, message: string, time: Date): Promise<string> {
    // Anyone who can read the repository reads its tags.
    try {
      refuseSecrets(`the message of tag ${tag}`, message, this.secrets());
    } catch (error) {
      // Its wording names mcp-meta, where it is usually raised.
      if (error instanceof SecretInRecord)
        throw new RegistryError(error.message.replace(' to mcp-meta:', ':'));
      throw error;
    }
    const { name, email } = this.options.tagger;
    const seconds = Math.floor(time.getTime() / 1000);
    const text = `object ${commit}\ntype commit\ntag ${tag}\ntagger ${name} <${email}> ${seconds} +0000\n\n${message.trim()}\n`;
    const result = await this.git(['mktag'], text);
    const object = result.stdout.toString('utf8').trim();
    if (result.code !== 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(object)) {
      throw this.failure(`cannot create tag ${tag}`, result);
    }
    return object;
  }

  /**
   * Publishes `tag` → `object` if the tag does not exist yet: a push without force (the remote
   * refuses an existing tag), or a create-only ref update without a remote. `retry` means
   * another writer took the name first.
   */
  async publish(tag: string, object: string): Promise<Step<true>> {
    if (this.remote === null) {
      const result = await this.git(['update-ref', `refs/tags/${tag}`, object, '']);
      if (result.code === 0) return { done: true };
      if (TAKEN.test(result.stderr) || LOCKED.test(result.stderr)) return { retry: `tag ${tag} was taken` };
      throw this.failure(`cannot create tag ${tag}`, result);
    }
    const args = [
      'push',
      '--porcelain',
      '--no-verify',
      '--no-signed',
      this.remote,
      `${object}:refs/tags/${tag}`,
    ];
    const result = await this.git(args);
    if (result.code === 0) {
      await this.git(['update-ref', `${this.namespace}/${tag}`, object]);
      // Like `git tag` then `git push`: later steps of the job see the tag. An existing local
      // tag of that name is the user's and stays.
      await this.git(['update-ref', `refs/tags/${tag}`, object, '']);
      return { done: true };
    }
    const rejected = result.stdout
      .toString('utf8')
      .split('\n')
      .find((line) => line.startsWith('!'));
    const reason = rejected ? (rejected.split('\t')[2] ?? rejected) : gitComplaint(result);
    if (rejected && TAKEN.test(rejected)) return { retry: `tag ${tag} was taken (${reason})` };
    // Hosts refuse protected tags and read-only tokens from a pre-receive hook, or at the door.
    const hint = /denied|declined|403|permission|authenticat|could not read username|protected/i.test(reason)
      ? ' (pushing tags needs write access: on GitHub `permissions: contents: write`; on GitLab a project access token with write_repository, since the job token cannot push; and no protected-tag rule may forbid the tag)'
      : '';
    throw new RegistryError(
      redact(`cannot push tag ${tag} to ${this.remote}: ${reason}${hint}`, this.secrets()),
    );
  }

  /**
   * Takes back a tag this job published when what had to follow it (the release) failed, so that
   * no version stands without its files: deleted on the remote only while it still points at the
   * object this job pushed (a lease, never a force), then locally. False when it could not be.
   */
  async withdraw(tag: string): Promise<boolean> {
    const published = this.remote === null ? `refs/tags/${tag}` : `${this.namespace}/${tag}`;
    const found = await this.git(['rev-parse', '-q', '--verify', published]);
    const object = found.stdout.toString('utf8').trim();
    if (found.code !== 0 || !object) return false;
    if (this.remote !== null) {
      const result = await this.git([
        'push',
        '--porcelain',
        '--no-verify',
        `--force-with-lease=refs/tags/${tag}:${object}`,
        this.remote,
        `:refs/tags/${tag}`,
      ]);
      if (result.code !== 0) return false;
      await this.git(['update-ref', '-d', published, object]);
    }
    await this.git(['update-ref', '-d', `refs/tags/${tag}`, object]);
    return true;
  }

  /**
   * Runs `step` until it is done. Exponential backoff with full jitter, from a base no shorter
   * than the failed try: writers that lost a race spread out instead of colliding again.
   */
  retrying<T>(step: () => Promise<Step<T>>): Promise<T> {
    return retryWithBackoff(step, this.retryPolicy, {
      log: this.options.log,
      giveUp: (attempts, reason) =>
        new RegistryError(
          `gave up after ${attempts} attempts: ${reason}. Other jobs may be registering heavily; run again.`,
        ),
    });
  }

  /**
   * Makes the private namespace mirror the remote's registry tags, fetching only tag objects
   * this repository lacks, then lists them.
   */
  private async mirror(): Promise<Step<TagRecord[]>> {
    const wanted = await this.remoteTags();
    if ('retry' in wanted) return wanted;
    const listed = await this.listTags();
    const mirrored = listed.refs;
    const stale = [...wanted.done].filter(([name, { object }]) => mirrored.get(name) !== object);
    const gone = [...mirrored.keys()].filter((name) => !wanted.done.has(name));
    // The usual read, nothing new since the last: two git processes in all.
    if (stale.length === 0 && gone.length === 0) return { done: listed.records };
    const fetched = await this.fetchMissing(stale);
    if ('retry' in fetched) return fetched;
    const updates = [
      ...stale.map(([name, { object }]) => `update ${this.namespace}/${name} ${object}`),
      ...gone.map((name) => `delete ${this.namespace}/${name}`),
    ];
    const result = await this.git(['update-ref', '--stdin'], `${updates.join('\n')}\n`);
    if (result.code !== 0) {
      if (LOCKED.test(result.stderr)) return { retry: 'another git process holds a lock in this repository' };
      throw this.failure('cannot update the mirror of the remote tags', result);
    }
    return { done: (await this.listTags()).records };
  }

  /** Registry tags on the remote: name → tag object and the commit it points to. */
  private async remoteTags(): Promise<Step<Map<string, { object: string; commit: string }>>> {
    const remote = this.remote as string;
    const listed = await this.git(['ls-remote', '--tags', remote]);
    if (listed.code !== 0) {
      if (LOCKED.test(listed.stderr)) return { retry: 'another git process holds a lock in this repository' };
      throw this.failure(`cannot list the tags of ${remote}`, listed);
    }
    const objects = new Map<string, string>();
    const peeled = new Map<string, string>();
    for (const line of listed.stdout.toString('utf8').split('\n')) {
      const [oid, ref] = line.split('\t');
      if (!oid || !ref?.startsWith('refs/tags/')) continue;
      const name = ref.slice('refs/tags/'.length);
      if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), oid);
      else if (parseTag(name)) objects.set(name, oid);
    }
    const tags = new Map<string, { object: string; commit: string }>();
    for (const [name, object] of objects) {
      const commit = peeled.get(name);
      // A tag without a peeled line is lightweight: GTO ignores those, and so do we.
      if (commit) tags.set(name, { object, commit });
    }
    return { done: tags };
  }

  /**
   * Fetches the tag objects of `tags` this repository lacks. In a shallow checkout,
   * `fetch --depth=1` would make commits already here shallow (cutting the user's history), and a
   * fetch without it would bring the whole history behind an old tag. So tags of commits already
   * here are fetched without a depth (only the tag object comes), the others with depth 1.
   */
  private async fetchMissing(tags: [string, { object: string; commit: string }][]): Promise<Step<true>> {
    const remote = this.remote as string;
    const present = await this.existing(tags.flatMap(([, t]) => [t.object, t.commit]));
    const deep: string[] = [];
    const shallow: string[] = [];
    for (const [name, { object, commit }] of tags) {
      if (present.has(object)) continue;
      const refspec = `+refs/tags/${name}:${this.namespace}/${name}`;
      (present.has(commit) || !(await this.isShallow()) ? deep : shallow).push(refspec);
    }
    for (const [refspecs, depth] of [
      [deep, []],
      [shallow, ['--depth=1']],
    ] as const) {
      if (refspecs.length === 0) continue;
      const args = ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules'];
      args.push('--no-auto-maintenance', '--no-show-forced-updates', ...depth, '--stdin', remote);
      const fetched = await this.git(args, `${refspecs.join('\n')}\n`);
      if (fetched.code === 0) continue;
      if (/couldn't find remote ref/i.test(fetched.stderr)) return { retry: 'a tag vanished while fetching' };
      if (LOCKED.test(fetched.stderr))
        return { retry: 'another git process holds a lock in this repository' };
      throw this.failure(`cannot fetch tags from ${remote}`, fetched);
    }
    return { done: true };
  }

  /** Which of `oids` this repository has. */
  private async existing(oids: string[]): Promise<Set<string>> {
    if (oids.length === 0) return new Set();
    const out = await this.must(['cat-file', '--batch-check=%(objectname)'], `${oids.join('\n')}\n`);
    return new Set(out.split('\n').filter((line) => /^[0-9a-f]+$/.test(line)));
  }

  /** The registry tags in the namespace, and every ref there (name → object) to compare with the remote. */
  private async listTags(): Promise<{ records: TagRecord[]; refs: Map<string, string> }> {
    const out = await this.must(['for-each-ref', `--format=${FIELDS.join('%00')}%00`, this.namespace]);
    const fields = out.split('\0');
    const records: TagRecord[] = [];
    const refs = new Map<string, string>();
    for (let i = 0; i + FIELDS.length <= fields.length; i += FIELDS.length) {
      const [
        ref = '',
        type,
        object = '',
        peeledType,
        commit = '',
        date = '',
        name = '',
        email = '',
        subject = '',
        body = '',
      ] = fields.slice(i, i + FIELDS.length);
      // Records are joined by git's newline, which lands at the start of the next ref name.
      const tag = ref.replace(/^\n/, '').slice(this.namespace.length + 1);
      refs.set(tag, object);
      const parsed = parseTag(tag);
      // Lightweight tags and tags of tags: GTO reads neither.
      if (!parsed || type !== 'tag' || peeledType !== 'commit') continue;
      records.push({
        tag,
        parsed,
        object,
        commit,
        time: Number(date.split(' ')[0]) || 0,
        tagger: { name, email: email.replace(/^<|>$/g, '') },
        message: body.trim() ? `${subject}\n\n${body.trim()}` : subject,
        trailers: trailersOf(body),
      });
    }
    return { records, refs };
  }

  private async isShallow(): Promise<boolean> {
    if (this.shallow === undefined) {
      this.shallow = (await this.must(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
    }
    return this.shallow;
  }

  private secrets(): string[] {
    return [...(this.options.secrets ?? [])];
  }

  private failure(what: string, result: GitResult): RegistryError {
    return new RegistryError(redact(`${what}: ${gitComplaint(result)}`, this.secrets()));
  }

  private git(args: string[], input?: string): Promise<GitResult> {
    return runGit(this.options.cwd, args, { env: this.env, input });
  }

  private async must(args: string[], input?: string): Promise<string> {
    const result = await this.git(args, input);
    if (result.code !== 0) throw this.failure(`git ${args[0]} failed`, result);
    return result.stdout.toString('utf8');
  }
}

/** `Mcp-*: value` lines of the last paragraph, where git keeps trailers. */
export function trailersOf(body: string): Record<string, string> {
  const paragraphs = body.trim().split(/\n\s*\n/);
  const trailers: Record<string, string> = {};
  for (const line of (paragraphs.at(-1) ?? '').split('\n')) {
    const match = /^(Mcp-[A-Za-z0-9-]+):[ \t]*(.*?)\s*$/.exec(line);
    if (match) trailers[match[1] as string] = match[2] as string;
  }
  return trailers;
}

/**
 * Who git says is committing here (`user.name`/`user.email`, `GIT_COMMITTER_*`), to tag as;
 * undefined when git has no identity (a fresh CI runner).
 */
export async function committerIdentity(cwd: string, env: NodeJS.ProcessEnv): Promise<Identity | undefined> {
  const result = await runGit(cwd, ['var', 'GIT_COMMITTER_IDENT'], { env: { ...env, LC_ALL: 'C' } });
  const match = /^(.+?) <([^<>]+)> \d+ [+-]\d{4}$/.exec(result.stdout.toString('utf8').trim());
  return result.code === 0 && match ? { name: match[1] as string, email: match[2] as string } : undefined;
}
