import { MetaBranchError } from './errors';
import { type GitResult, gitComplaint } from './git';
import { checkDirectory, checkRecordPath } from './guard';
import type { ObjectReader } from './objects';

/** Runs git in the repository, with stdin; bound by `MetaBranch` to its cwd and environment. */
export type Git = (args: string[], input?: string) => Promise<GitResult>;

export interface MetaCommit {
  commit: string;
  /** `Name <email>` */
  author: string;
  /** ISO 8601, as the author's clock said. */
  time: string;
  message: string;
}

export interface HistoryQuery {
  /** Only commits that changed this path. */
  path?: string;
  /** Only commits whose message matches this extended regular expression (git's `--grep -E`). */
  grep?: string;
  limit?: number;
}

/**
 * The branch as one commit has it. Immutable, so reads are cached: a transaction and the audit
 * helper wrapping it may ask for the same file.
 */
export class MetaView {
  private readonly cache = new Map<string, string | undefined>();
  /** Directory → its entries' names and object ids, for the directories listed so far. */
  private readonly listed = new Map<string, Map<string, string>>();

  constructor(
    /** The commit read from; undefined before the branch's first write. */
    readonly tip: string | undefined,
    private readonly objects: ObjectReader,
    private readonly git: Git,
  ) {}

  async read(path: string): Promise<string | undefined> {
    return (await this.readMany([path])).get(path);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.read(path)) !== undefined;
  }

  /** Several files at once: requests are pipelined to one git process. */
  async readMany(paths: readonly string[]): Promise<Map<string, string | undefined>> {
    for (const path of paths) checkRecordPath(path);
    const { tip } = this;
    const wanted = [...new Set(paths)].filter((p) => !this.cache.has(p));
    if (tip && wanted.length > 0) {
      // Looking a path up walks its directory; for many files of one directory (the audit log),
      // one listing then reads by object id instead of walking it once per file.
      const perDir = new Map<string, number>();
      for (const [dir] of wanted.map(split)) perDir.set(dir, (perDir.get(dir) ?? 0) + 1);
      const crowded = [...perDir].filter(([dir, count]) => count >= 8 && !this.listed.has(dir));
      await Promise.all(crowded.map(([dir]) => this.list(dir)));
      const objects = await Promise.all(
        wanted.map((p) => {
          const [dir, name] = split(p);
          const entries = this.listed.get(dir);
          if (!entries) return this.objects.get(`${tip}:${p}`);
          const oid = entries.get(name);
          return oid ? this.objects.get(oid) : undefined;
        }),
      );
      wanted.forEach((p, i) => {
        const object = objects[i];
        this.cache.set(p, object?.type === 'blob' ? object.content.toString('utf8') : undefined);
      });
    }
    return new Map(paths.map((p) => [p, this.cache.get(p)]));
  }

  /** Names of the files and directories directly in `dir` ('' is the root), sorted; [] when absent. */
  async list(dir: string): Promise<string[]> {
    const prefix = checkDirectory(dir);
    if (!this.tip) return [];
    let entries = this.listed.get(prefix);
    if (!entries) {
      const tree = await this.objects.get(prefix ? `${this.tip}:${prefix}` : `${this.tip}^{tree}`);
      entries = tree?.type === 'tree' ? treeEntries(tree.content, this.tip.length / 2) : new Map();
      this.listed.set(prefix, entries);
    }
    return [...entries.keys()];
  }

  /** Commits reachable from the tip, newest first (as far as a shallow fetch reaches). */
  async history(query: HistoryQuery = {}): Promise<MetaCommit[]> {
    if (!this.tip) return [];
    const args = ['log', '-z', '--format=%H%x1f%an <%ae>%x1f%aI%x1f%B'];
    if (query.limit !== undefined) args.push(`--max-count=${query.limit}`);
    if (query.grep !== undefined) args.push('-E', `--grep=${query.grep}`);
    args.push(this.tip);
    if (query.path !== undefined) {
      checkRecordPath(query.path);
      args.push('--', query.path);
    }
    const result = await this.git(args);
    if (result.code !== 0) throw new MetaBranchError(`cannot read mcp-meta history: ${gitComplaint(result)}`);
    return result.stdout
      .toString('utf8')
      .split('\0')
      .filter((entry) => entry !== '')
      .map((entry) => {
        const [commit = '', author = '', time = '', message = ''] = entry.split('\x1f');
        return { commit, author, time, message: message.trimEnd() };
      });
  }
}

/** `dir/name` → [dir, name]; a root file's directory is ''. */
function split(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  return [path.slice(0, Math.max(0, slash)), path.slice(slash + 1)];
}

/** A tree object's entries, name → object id: each is `<mode> <name>\0<binary object id>`. */
function treeEntries(tree: Buffer, idLength: number): Map<string, string> {
  const entries = new Map<string, string>();
  let at = 0;
  while (at < tree.length) {
    const space = tree.indexOf(0x20, at);
    const nul = tree.indexOf(0, space);
    if (space < 0 || nul < 0) throw new MetaBranchError('cannot list mcp-meta: a tree object is malformed');
    entries.set(tree.toString('utf8', space + 1, nul), tree.toString('hex', nul + 1, nul + 1 + idLength));
    at = nul + 1 + idLength;
  }
  return entries;
}
