import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpError } from '../errors';
import type { GitHubClient } from '../store';
import { createGitHubClient } from './github-client';
import type { HostedRelease, ReleaseAsset, ReleaseHost, ReleaseUpload } from './types';

/** What a GitHub release host needs, asked for when it is first used (the token input is read late). */
export interface GitHubReleaseAccess {
  token: string;
  /** `owner/name`. */
  repository: string | undefined;
  apiUrl?: string;
  log?: (message: string) => void;
  /** Least gap between content-creating requests; default GitHub's 1 s (see createGitHubClient). */
  writeIntervalMs?: number;
}

export interface GitHubReleasesOptions {
  /** Smaller than GitHub's 2 GiB, to test parts. */
  maxAssetSize?: number;
  /** Attempts at one upload, a failed attempt's broken asset deleted in between; default 4. */
  uploadAttempts?: number;
  /** Milliseconds per second of waiting between upload attempts (1, 4, 9 s); default 1000. */
  retryBaseMs?: number;
  /** An Octokit of one's own (tests); otherwise one is made from the access. */
  client?: GitHubClient;
}

type Release = Awaited<ReturnType<GitHubClient['rest']['repos']['createRelease']>>['data'];
type Asset = Release['assets'][number];

/** "Each file included in a release must be under 2 GiB." */
const MAX_ASSET_SIZE = 2 ** 31 - 1;
/** GitHub refuses a release body longer than 125,000 characters. */
const MAX_NOTES = 125_000;

/** Bytes of a file, read afresh on each iteration so that a retried request sends them again. */
class RangeBody implements AsyncIterable<Uint8Array> {
  constructor(private readonly file: ReleaseUpload) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.file.size === 0) return;
    const { path, start, size } = this.file;
    yield* createReadStream(path, { start, end: start + size - 1 });
  }
}

/**
 * Model releases on GitHub: a draft release of the tag, its assets uploaded (a failed upload's
 * `starter` asset deleted and the upload tried again), then the notes, then published, so that
 * repositories whose releases become immutable on publication get every asset.
 */
export class GitHubReleases implements ReleaseHost {
  readonly maxAssetSize: number;
  readonly maxNotes = MAX_NOTES;
  private client?: { token: string; octokit: GitHubClient };
  private readonly uploadUrls = new Map<string, string>();

  constructor(
    private readonly access: () => GitHubReleaseAccess,
    private readonly options: GitHubReleasesOptions = {},
  ) {
    this.maxAssetSize = options.maxAssetSize ?? MAX_ASSET_SIZE;
  }

  get description(): string {
    return `releases of ${this.access().repository ?? 'this repository'}`;
  }

  async find(tag: string): Promise<HostedRelease | undefined> {
    const found = await this.findRaw(tag);
    return found ? this.hosted(found) : undefined;
  }

  async createDraft(
    tag: string,
    options: { title: string; notes: string; commit: string },
  ): Promise<HostedRelease> {
    const { octokit, repo } = this.connect();
    const { data: created } = await octokit.rest.repos.createRelease({
      ...repo,
      tag_name: tag,
      target_commitish: options.commit,
      name: options.title,
      body: options.notes,
      draft: true,
    });
    // Two jobs registering the same files may both have found no release and made a draft each:
    // everyone settles on the oldest, and the later creator removes its own, still empty.
    const settled = await this.findRaw(tag);
    if (settled && settled.id !== created.id) {
      await octokit.rest.repos.deleteRelease({ ...repo, release_id: created.id }).catch(() => {
        this.log(`could not delete release ${created.id}, a duplicate draft of ${tag}`);
      });
      return this.hosted(settled);
    }
    return this.hosted(created);
  }

  async upload(release: HostedRelease, file: ReleaseUpload): Promise<ReleaseAsset> {
    const { octokit, repo } = this.connect();
    const attempts = this.options.uploadAttempts ?? 4;
    const base = this.options.retryBaseMs ?? 1000;
    const uploadUrl = await this.uploadUrl(release);
    let existing = (await this.listAssets(release)).find((a) => a.name === file.name);
    for (let attempt = 1; ; attempt++) {
      if (existing) {
        this.log(`removing ${file.name} from release ${release.tag}: ${why(existing)}`);
        await octokit.rest.repos.deleteReleaseAsset({ ...repo, asset_id: existing.id }).catch((error) => {
          if (statusOf(error) !== 404) throw error;
        });
      }
      try {
        const { data } = await octokit.request({
          method: 'POST',
          // `…/assets{?name,label}` on uploads.github.com, which Octokit expands.
          url: uploadUrl,
          name: file.name,
          data: new RangeBody(file),
          headers: { 'content-type': 'application/octet-stream', 'content-length': file.size },
          // A failed upload may leave a broken asset holding the name: this loop retries, not the plugin.
          request: { retries: 0 },
        });
        return assetOf(data as Asset);
      } catch (error) {
        const status = statusOf(error);
        const transient = typeof status !== 'number' || status >= 500 || status === 422 || status === 429;
        if (!transient || attempt >= attempts) {
          throw new McpError(
            `uploading ${file.name} to release ${release.tag} failed${status ? ` (GitHub answered ${status})` : ''}: ${(error as Error).message.split('\n')[0]}; run the job again to complete the draft`,
          );
        }
      }
      await sleep(attempt * attempt * base);
      existing = (await this.listAssets(release)).find((a) => a.name === file.name);
      if (existing?.state === 'uploaded' && existing.size === file.size) return assetOf(existing);
    }
  }

  async setNotes(release: HostedRelease, notes: string): Promise<HostedRelease> {
    const { octokit, repo } = this.connect();
    const { data } = await octokit.rest.repos.updateRelease({
      ...repo,
      release_id: Number(release.id),
      body: notes,
    });
    return this.hosted(data);
  }

  async publish(release: HostedRelease): Promise<HostedRelease> {
    const { octokit, repo } = this.connect();
    const { data } = await octokit.rest.repos.updateRelease({
      ...repo,
      release_id: Number(release.id),
      draft: false,
      // A model version is not the repository's own latest release.
      make_latest: 'false',
    });
    return this.hosted(data);
  }

  /** `get-release-by-tag` ignores drafts: releases are listed. A published one wins, else the oldest draft. */
  private async findRaw(tag: string): Promise<Release | undefined> {
    const { octokit, repo } = this.connect();
    let chosen: Release | undefined;
    const pages = octokit.paginate.iterator(octokit.rest.repos.listReleases, { ...repo, per_page: 100 });
    for await (const page of pages) {
      for (const release of page.data) {
        if (release.tag_name !== tag) continue;
        if (!chosen || rank(release) < rank(chosen)) chosen = release;
      }
    }
    return chosen;
  }

  private async listAssets(release: HostedRelease): Promise<Asset[]> {
    const { octokit, repo } = this.connect();
    return octokit.paginate(octokit.rest.repos.listReleaseAssets, {
      ...repo,
      release_id: Number(release.id),
      per_page: 100,
    });
  }

  private async uploadUrl(release: HostedRelease): Promise<string> {
    const known = this.uploadUrls.get(release.id);
    if (known) return known;
    const found = await this.findRaw(release.tag);
    if (found?.id !== Number(release.id))
      throw new McpError(`release ${release.tag} (${release.id}) is gone`);
    return found.upload_url;
  }

  private hosted(release: Release): HostedRelease {
    this.uploadUrls.set(String(release.id), release.upload_url);
    return {
      id: String(release.id),
      tag: release.tag_name,
      draft: release.draft,
      url: release.html_url,
      notes: release.body ?? '',
      // A `starter` asset is what a failed upload left: not a file a reader can have.
      assets: release.assets.filter((a) => a.state === 'uploaded').map(assetOf),
    };
  }

  private connect(): { octokit: GitHubClient; repo: { owner: string; repo: string } } {
    const access = this.access();
    const [owner, name, ...rest] = (access.repository ?? '').split('/');
    if (!owner || !name || rest.length > 0) {
      throw new McpError('releases need GITHUB_REPOSITORY (owner/name), which is not set');
    }
    if (!access.token) {
      throw new McpError(
        'releases need a token with contents: write: set the token input (default: the job token) or GITHUB_TOKEN',
      );
    }
    if (this.options.client) return { octokit: this.options.client, repo: { owner, repo: name } };
    if (this.client?.token !== access.token) {
      const octokit = createGitHubClient({
        token: access.token,
        apiUrl: access.apiUrl,
        log: access.log,
        writeIntervalMs: access.writeIntervalMs,
      });
      this.client = { token: access.token, octokit };
    }
    return { octokit: this.client.octokit, repo: { owner, repo: name } };
  }

  private log(message: string): void {
    this.access().log?.(message);
  }
}

/** Published first, then the oldest draft. */
const rank = (release: Release) => (release.draft ? 1 : 0) * 2 ** 52 + release.id;

function assetOf(asset: Asset): ReleaseAsset {
  const digest = (asset as { digest?: string | null }).digest;
  return {
    name: asset.name,
    size: asset.size,
    url: asset.browser_download_url,
    ...(digest?.startsWith('sha256:') ? { sha256: digest.slice('sha256:'.length) } : {}),
  };
}

function why(asset: Asset): string {
  return asset.state !== 'uploaded' ? `a failed upload left it ${asset.state}` : 'it holds other bytes';
}

const statusOf = (error: unknown) => (error as { status?: unknown } | null)?.status;
