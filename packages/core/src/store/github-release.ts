import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { type ByteRange, MissingObject, OBJECT_NAME, type ObjectBackend, type ObjectInfo } from './backend';
import { bodyInRange, FileBody, rangeHeader } from './http-body';

export interface GitHubReleaseBackendOptions {
  token: string;
  /** `owner/name`. */
  repository: string;
  /** REST API root; default https://api.github.com (GitHub Enterprise Server: its GITHUB_API_URL). */
  apiUrl?: string;
  /** Tag and title of the storage release; default `mcp-store`. */
  release?: string;
  /** Default: the proxy-aware fetch of @actions/github. */
  fetch?: typeof fetch;
  /** Milliseconds per second of waiting: scales retry-after and the 1, 4, 9 s retry backoff. Default 1000. */
  retryBaseMs?: number;
  /** Least gap between content-creating requests; default plugin-throttling's 1 s, as GitHub asks. */
  writeIntervalMs?: number;
  /** Retries of a request refused by a rate limit; default 3. */
  rateLimitRetries?: number;
  /** Attempts at one upload, a failed attempt's broken asset deleted in between; default 4. */
  uploadAttempts?: number;
  /** Rate limits met and broken assets removed: worth a line in the job log. */
  log?: (message: string) => void;
}

type Octokit = ReturnType<typeof getOctokit>;
type Release = Awaited<ReturnType<Octokit['rest']['repos']['createRelease']>>['data'];
/** `state` is `uploaded`, or `starter` for what a failed upload left (the description lists `open`). */
type Asset = { id: number; name: string; size: number; state: string };
type Gate = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>;

/** "Each file included in a release must be under 2 GiB." */
const MAX_ASSET_SIZE = 2 ** 31 - 1;
// Waiting out a primary rate limit longer than this would outlast most CI jobs anyway.
const MAX_RATE_LIMIT_WAIT_S = 15 * 60;
const RELEASE_BODY =
  'Content store of mcp: data and model blobs, addressed by their sha256. Kept as a draft so that new ' +
  'objects can be added even where releases become immutable once published. Do not edit or delete.';

/**
 * Objects as assets of one storage release (tag and title `mcp-store` by default), kept as a draft:
 * where releases become immutable once published, a draft still takes new assets, and only people
 * with write access see it. Up to 2 GiB per asset; uploads spaced and retried as GitHub asks.
 */
export class GitHubReleaseBackend implements ObjectBackend {
  readonly description: string;
  readonly maxObjectSize = MAX_ASSET_SIZE;
  private readonly octokit: Octokit;
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
    const rateLimitRetries = options.rateLimitRetries ?? 3;
    const gate = options.writeIntervalMs === undefined ? undefined : spacedGate(options.writeIntervalMs);
    this.octokit = getOctokit(
      options.token,
      {
        baseUrl: options.apiUrl ?? 'https://api.github.com',
        // A `request` object replaces @actions/github's default one (its proxy-aware fetch) whole.
        ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
        retry: { retryAfterBaseValue: this.retryBaseMs },
        throttle: {
          retryAfterBaseValue: this.retryBaseMs,
          ...(gate ? { write: gate, notifications: gate } : {}),
          onSecondaryRateLimit: (after, request, _octokit, count) => {
            this.log(`GitHub's secondary rate limit: ${request.method} ${request.url} again in ${after} s`);
            return count < rateLimitRetries;
          },
          onRateLimit: (after, request, _octokit, count) => {
            this.log(`GitHub's rate limit: ${request.method} ${request.url} again in ${after} s`);
            return count < rateLimitRetries && after <= MAX_RATE_LIMIT_WAIT_S;
          },
        },
      },
      retry,
      throttling,
    );
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

/**
 * plugin-throttling makes each content-creating request wait for a Bottleneck group that spaces them
 * one second apart; it only calls `key(id).schedule(options, fn)`, so a shorter gap needs no more.
 */
function spacedGate(intervalMs: number): Gate {
  let last = Promise.resolve();
  const limiter = {
    schedule: <T>(_options: unknown, fn: () => Promise<T>): Promise<T> => {
      const turn = last.then(fn);
      last = turn.then(
        () => sleep(intervalMs),
        () => sleep(intervalMs),
      );
      return turn;
    },
  };
  return { key: () => limiter } as unknown as Gate;
}
