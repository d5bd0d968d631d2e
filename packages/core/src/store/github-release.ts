import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Octokit } from '@octokit/core';
import type { PaginateInterface } from '@octokit/plugin-paginate-rest';
import type { Api } from '@octokit/plugin-rest-endpoint-methods';
import { type ByteRange, MissingObject, OBJECT_NAME, type ObjectBackend, type ObjectInfo } from './backend';
import { bodyInRange, FileBody, rangeHeader } from './http-body';

/**
 * An authenticated Octokit with the REST methods and pagination, as the GitHub platform builds it
 * (token, API root, proxy, and retries with backoff on 5xx and rate limits, which GitHub asks
 * clients to honour): the store holds no credentials and imports no `@actions/*` package.
 */
export type GitHubClient = Octokit & Api & { paginate: PaginateInterface };

export interface GitHubReleaseBackendOptions {
  client: GitHubClient;
  /** `owner/name`. */
  repository: string;
  /** Tag and title of the storage release; default `mcp-store`. */
  release?: string;
  /** Milliseconds per second of waiting: scales the 1, 4, 9 s backoff between upload attempts. Default 1000. */
  retryBaseMs?: number;
  /** Attempts at one upload, a failed attempt's broken asset deleted in between; default 4. */
  uploadAttempts?: number;
  /** Broken assets removed: worth a line in the job log. */
  log?: (message: string) => void;
}

type Release = Awaited<ReturnType<GitHubClient['rest']['repos']['createRelease']>>['data'];
/** `state` is `uploaded`, or `starter` for what a failed upload left (the description lists `open`). */
type Asset = { id: number; name: string; size: number; state: string };

/** "Each file included in a release must be under 2 GiB." */
const MAX_ASSET_SIZE = 2 ** 31 - 1;
const RELEASE_BODY =
  'Content store of mcp: data and model blobs, addressed by their sha256. Kept as a draft so that new ' +
  'objects can be added even where releases become immutable once published. Do not edit or delete.';

/**
 * Objects as assets of one storage release (tag and title `mcp-store` by default), kept as a draft:
 * where releases become immutable once published, a draft still takes new assets, and only people
 * with write access see it. Up to 2 GiB per asset; a failed upload's broken asset is replaced.
 */
export class GitHubReleaseBackend implements ObjectBackend {
  readonly description: string;
  readonly maxObjectSize = MAX_ASSET_SIZE;
  private readonly octokit: GitHubClient;
  private readonly repo: { owner: string; repo: string };
  private readonly tag: string;
  private readonly retryBaseMs: number;
  private readonly uploadAttempts: number;
  private readonly log: (message: string) => void;
  private release?: Promise<Release>;
  private index?: Promise<Map<string, Asset>>;

  constructor(options: GitHubReleaseBackendOptions) {
    const [owner, repo, ...rest] = options.repository.split('/');
    if (!owner || !repo || rest.length > 0)
      throw new Error(`not an owner/name repository: ${options.repository}`);
    this.repo = { owner, repo };
    this.tag = options.release ?? 'mcp-store';
    this.description = `release ${this.tag} of ${options.repository}`;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.uploadAttempts = options.uploadAttempts ?? 4;
    this.log = options.log ?? (() => {});
    this.octokit = options.client;
  }

  async list(): Promise<ObjectInfo[]> {
    const index = await this.refresh();
    return [...index.values()]
      .filter((asset) => asset.state === 'uploaded')
      .map(({ name, size }) => ({ name, size }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async put(name: string, source: string, size: number): Promise<void> {
    // GitHub renames an asset whose name ends with a period, which would then never be found.
    if (!OBJECT_NAME.test(name) || name.endsWith('.')) throw new Error(`not an object name: ${name}`);
    if (size > this.maxObjectSize) {
      throw new Error(`${name} has ${size} bytes; a release asset must be under 2 GiB`);
    }
    let existing = (await this.assets()).get(name);
    if (existing?.state === 'uploaded') return;
    const release = await this.storageRelease();
    for (let attempt = 1; ; attempt++) {
      if (existing) {
        this.log(`removing ${name} from ${this.description}: a failed upload left it ${existing.state}`);
        await this.deleteAsset(existing);
      }
      try {
        const asset = await this.upload(release, name, source, size);
        (await this.assets()).set(name, asset);
        return;
      } catch (error) {
        if (!isTransient(error) || attempt >= this.uploadAttempts) throw error;
      }
      await sleep(attempt * attempt * this.retryBaseMs);
      // The failure may have left a `starter` asset holding the name, or another job may have
      // uploaded the same object meanwhile (422): look before trying again.
      existing = (await this.refresh()).get(name);
      if (existing?.state === 'uploaded') return;
    }
  }

  async get(name: string, range?: ByteRange): Promise<Readable> {
    let asset = (await this.assets()).get(name);
    // Another job may have uploaded it since this backend listed the release.
    if (asset?.state !== 'uploaded') asset = (await this.refresh()).get(name);
    if (asset?.state !== 'uploaded') throw new MissingObject(name, this.description);
    try {
      // The API answers 302 to the download host, which fetch follows, keeping Range and dropping
      // Authorization there (another origin).
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/releases/assets/{asset_id}', {
        ...this.repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream', ...(range ? { range: rangeHeader(range) } : {}) },
        request: { parseSuccessResponseBody: false },
      });
      const body = response.data as unknown as AsyncIterable<Uint8Array> | null;
      const contentRange = response.headers['content-range'];
      return bodyInRange(response.status, contentRange?.toString(), body, range);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      (await this.assets()).delete(name);
      throw new MissingObject(name, this.description);
    }
  }

  async delete(name: string): Promise<void> {
    const asset = (await this.assets()).get(name) ?? (await this.refresh()).get(name);
    if (asset) await this.deleteAsset(asset);
  }

  private async upload(release: Release, name: string, source: string, size: number): Promise<Asset> {
    const { data } = await this.octokit.request({
      method: 'POST',
      // `…/assets{?name,label}` on uploads.github.com, which Octokit expands.
      url: release.upload_url,
      name,
      data: new FileBody(source),
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
      // A failed upload may leave a broken asset that blocks its name: `put` retries, not the plugin.
      request: { retries: 0 },
    });
    return data as Asset;
  }

  private async deleteAsset(asset: Asset): Promise<void> {
    try {
      await this.octokit.rest.repos.deleteReleaseAsset({ ...this.repo, asset_id: asset.id });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    const index = await this.assets();
    if (index.get(asset.name)?.id === asset.id) index.delete(asset.name);
  }

  private assets(): Promise<Map<string, Asset>> {
    if (this.index) return this.index;
    const index = this.listAssets();
    this.index = index;
    index.catch(() => {
      if (this.index === index) this.index = undefined;
    });
    return index;
  }

  private refresh(): Promise<Map<string, Asset>> {
    this.index = undefined;
    return this.assets();
  }

  private async listAssets(): Promise<Map<string, Asset>> {
    const release = await this.storageRelease();
    const assets = await this.octokit.paginate(this.octokit.rest.repos.listReleaseAssets, {
      ...this.repo,
      release_id: release.id,
      per_page: 100,
    });
    return new Map(assets.map((a) => [a.name, { id: a.id, name: a.name, size: a.size, state: a.state }]));
  }

  private storageRelease(): Promise<Release> {
    if (this.release) return this.release;
    const release = this.findOrCreateRelease();
    this.release = release;
    release.catch(() => {
      if (this.release === release) this.release = undefined;
    });
    return release;
  }

  private async findOrCreateRelease(): Promise<Release> {
    const existing = await this.findRelease();
    if (existing) return existing;
    const { data: created } = await this.octokit.rest.repos.createRelease({
      ...this.repo,
      tag_name: this.tag,
      name: this.tag,
      body: RELEASE_BODY,
      draft: true,
    });
    // Two jobs may both have found none and created one each. Everyone settles on the oldest; the
    // later creator removes its own, still empty and seen by no one (a list that shows it shows
    // the older one too), so that one storage release remains. A list that lags and misses our
    // own release never makes us drop it for a newer one.
    const oldest = await this.findRelease();
    const chosen = oldest && oldest.id < created.id ? oldest : created;
    if (chosen.id !== created.id) {
      await this.octokit.rest.repos.deleteRelease({ ...this.repo, release_id: created.id }).catch(() => {
        this.log(`could not delete release ${created.id}, a duplicate of ${this.description}`);
      });
    }
    return chosen;
  }

  /** `get-release-by-tag` ignores drafts: the storage release is found by listing. */
  private async findRelease(): Promise<Release | undefined> {
    let oldest: Release | undefined;
    const pages = this.octokit.paginate.iterator(this.octokit.rest.repos.listReleases, {
      ...this.repo,
      per_page: 100,
    });
    for await (const page of pages) {
      for (const release of page.data) {
        if (release.tag_name === this.tag && (!oldest || release.id < oldest.id)) oldest = release;
      }
    }
    return oldest;
  }
}

const statusOf = (error: unknown) => (error as { status?: unknown } | null)?.status;

/** Worth another attempt: no answer, a server error, or a name held by a broken or concurrent asset (422). */
function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  return typeof status !== 'number' || status >= 500 || status === 422 || status === 429;
}
