import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpError } from '../errors';
import type { HostedRelease, ReleaseAsset, ReleaseHost, ReleaseUpload } from './types';

/** What a GitLab release host needs, asked for when it is first used (the token input is read late). */
export interface GitLabReleaseAccess {
  /** CI_API_V4_URL. */
  apiUrl: string;
  /** CI_PROJECT_ID or the project's full path. */
  project: string | undefined;
  token: string;
  /** `job`: CI_JOB_TOKEN (allowed for releases and packages); `private`: an access token. */
  tokenKind: 'job' | 'private';
}

export interface GitLabReleasesOptions {
  /** Default 5 GiB, gitlab.com's limit for a generic package file. */
  maxAssetSize?: number;
  retries?: number;
  /** Milliseconds per second of waiting between retries; default 1000. */
  retryBaseMs?: number;
}

interface Release {
  tag_name: string;
  name: string | null;
  description: string | null;
  _links?: { self?: string };
  assets?: { links?: Link[] };
}

interface Link {
  id: number;
  name: string;
  url: string;
  direct_asset_url?: string;
}

interface PackageFile {
  file_name: string;
  size: number;
  file_sha256?: string | null;
}

/** GitLab refuses a release description longer than 1,000,000 characters. */
const MAX_NOTES = 1_000_000;

/**
 * Model releases on GitLab: the files go into a generic package (`<name>` `<semver>` for a tag
 * `<name>@v<semver>`, a `/` of the name as `.`), then a release of the tag is created in one request
 * with a link to each file. GitLab has no drafts: the draft is this side's, and a release found
 * with links missing (a crash mid-way) gets them added.
 */
export class GitLabReleases implements ReleaseHost {
  readonly maxAssetSize: number;
  readonly maxNotes = MAX_NOTES;
  private readonly drafts = new Map<string, { title: string; notes: string }>();

  constructor(
    private readonly access: () => GitLabReleaseAccess,
    private readonly options: GitLabReleasesOptions = {},
  ) {
    this.maxAssetSize = options.maxAssetSize ?? 5 * 1024 ** 3;
  }

  get description(): string {
    return `releases of project ${this.access().project ?? '(unknown)'}`;
  }

  async find(tag: string): Promise<HostedRelease | undefined> {
    const response = await this.request('GET', `/releases/${encodeURIComponent(tag)}`);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    const release = await json<Release>(response, `reading release ${tag}`);
    const files = await this.packageFiles(tag);
    const links = release.assets?.links ?? [];
    const linked = new Set(links.map((link) => link.name));
    const unlinked = [...files.values()].filter((file) => !linked.has(file.file_name));
    return {
      id: tag,
      tag,
      // A package file without its link: a run stopped before linking it, so `publish` has work left.
      draft: unlinked.length > 0,
      url: release._links?.self ?? '',
      notes: release.description ?? '',
      assets: [
        ...links.map((link) => {
          const file = files.get(link.name);
          return {
            name: link.name,
            url: link.direct_asset_url ?? link.url,
            ...(file ? { size: file.size } : {}),
            ...(file?.file_sha256 ? { sha256: file.file_sha256 } : {}),
          };
        }),
        ...unlinked.map((file) => this.assetOf(tag, file)),
      ],
    };
  }

  /** Nothing is created on GitLab yet: files uploaded by an earlier, failed run count as assets. */
  async createDraft(tag: string, options: { title: string; notes: string }): Promise<HostedRelease> {
    this.drafts.set(tag, { title: options.title, notes: options.notes });
    const files = await this.packageFiles(tag);
    return {
      id: tag,
      tag,
      draft: true,
      url: '',
      notes: options.notes,
      assets: [...files.values()].map((file) => this.assetOf(tag, file)),
    };
  }

  private assetOf(tag: string, file: PackageFile): ReleaseAsset {
    return {
      name: file.file_name,
      size: file.size,
      url: this.fileUrl(tag, file.file_name),
      ...(file.file_sha256 ? { sha256: file.file_sha256 } : {}),
    };
  }

  async upload(release: HostedRelease, file: ReleaseUpload): Promise<ReleaseAsset> {
    const response = await this.request(
      'PUT',
      `/packages/generic/${this.packageOf(release.tag).join('/')}/${encodeURIComponent(file.name)}?select=package_file`,
      {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size) },
        body: file,
      },
    );
    const stored = await json<PackageFile>(response, `uploading ${file.name}`);
    return {
      name: file.name,
      size: stored.size,
      url: this.fileUrl(release.tag, file.name),
      ...(stored.file_sha256 ? { sha256: stored.file_sha256 } : {}),
    };
  }

  async setNotes(release: HostedRelease, notes: string): Promise<HostedRelease> {
    const draft = this.drafts.get(release.tag);
    if (release.draft && draft) {
      draft.notes = notes;
      return { ...release, notes };
    }
    const response = await this.request('PUT', `/releases/${encodeURIComponent(release.tag)}`, {
      json: { description: notes },
    });
    await json<Release>(response, `updating release ${release.tag}`);
    return { ...release, notes };
  }

  async publish(release: HostedRelease): Promise<HostedRelease> {
    const tag = release.tag;
    const links = release.assets.map((asset) => ({
      name: asset.name,
      url: this.fileUrl(tag, asset.name),
      direct_asset_path: `/${asset.name}`,
      link_type: 'package',
    }));
    const draft = this.drafts.get(tag);
    if (release.draft && draft) {
      const response = await this.request('POST', '/releases', {
        json: { tag_name: tag, name: draft.title, description: draft.notes, assets: { links } },
      });
      if (response.status !== 409) {
        await json<Release>(response, `creating release ${tag}`);
        this.drafts.delete(tag);
        return this.mustFind(tag);
      }
      // Another job (or an earlier try of this one) created it meanwhile: complete its links.
      await response.body?.cancel();
    }
    const existing = await this.mustFind(tag);
    const answer = await this.request('GET', `/releases/${encodeURIComponent(tag)}`);
    const have = new Set(
      ((await json<Release>(answer, `reading release ${tag}`)).assets?.links ?? []).map((l) => l.name),
    );
    for (const link of links.filter((l) => !have.has(l.name))) {
      const response = await this.request('POST', `/releases/${encodeURIComponent(tag)}/assets/links`, {
        json: link,
      });
      await json<Link>(response, `linking ${link.name} to release ${tag}`);
    }
    if (draft && existing.notes !== draft.notes) await this.setNotes(existing, draft.notes);
    this.drafts.delete(tag);
    return this.mustFind(tag);
  }

  private async mustFind(tag: string): Promise<HostedRelease> {
    const found = await this.find(tag);
    if (!found) throw new McpError(`release ${tag} is not on GitLab after creating it`);
    return found;
  }

  /** The generic package holding a release's files: `<name>`/`<semver>` for `<name>@v<semver>`. */
  private packageOf(tag: string): [string, string] {
    const match = /^([a-z][a-z0-9/-]*)@v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)$/.exec(tag);
    if (match) return [(match[1] as string).replace(/\//g, '.'), match[2] as string];
    return [tag.replace(/[^A-Za-z0-9._-]/g, '-'), '1'];
  }

  private fileUrl(tag: string, name: string): string {
    const { apiUrl, project } = this.access();
    const [pkg, version] = this.packageOf(tag);
    return `${apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(project ?? '')}/packages/generic/${pkg}/${version}/${encodeURIComponent(name)}`;
  }

  /** The files of the release's package by name (the latest of duplicates); empty while it has none. */
  private async packageFiles(tag: string): Promise<Map<string, PackageFile>> {
    const [name, version] = this.packageOf(tag);
    const query = new URLSearchParams({
      package_type: 'generic',
      package_name: name,
      package_version: version,
      per_page: '100',
    });
    const files = new Map<string, PackageFile>();
    const packages = await this.list<{ id: number; name: string; version: string }>(`/packages?${query}`);
    // package_name is a fuzzy search.
    for (const pkg of packages.filter((p) => p.name === name && p.version === version)) {
      for (const file of await this.list<PackageFile>(`/packages/${pkg.id}/package_files?per_page=100`)) {
        files.set(file.file_name, file);
      }
    }
    return files;
  }

  private async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const response = await this.request('GET', next);
      items.push(...(await json<T[]>(response, 'listing packages')));
      const page = response.headers.get('x-next-page');
      next = page ? `${path}${path.includes('?') ? '&' : '?'}page=${page}` : undefined;
    }
    return items;
  }

  private async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; json?: unknown; body?: ReleaseUpload } = {},
  ): Promise<Response> {
    const access = this.access();
    if (!access.project) {
      throw new McpError('releases need CI_PROJECT_ID (or CI_PROJECT_PATH), which is not set');
    }
    if (!access.token) {
      throw new McpError(
        'releases need a token: CI_JOB_TOKEN in a job, or the token input or MCP_GITLAB_TOKEN (an access token with api scope)',
      );
    }
    const url = `${access.apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(access.project)}${path}`;
    const auth = { [access.tokenKind === 'job' ? 'JOB-TOKEN' : 'PRIVATE-TOKEN']: access.token };
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await fetch(url, {
          method,
          headers: {
            ...auth,
            ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
            ...init.headers,
          },
          ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
          // The part is read again on each attempt.
          ...(init.body
            ? { body: rangeOf(init.body) as unknown as RequestInit['body'], duplex: 'half' }
            : {}),
        } as RequestInit);
      } catch (error) {
        if (attempt >= retries) throw error;
      }
      if (response && response.status !== 429 && response.status < 500) return response;
      if (response && attempt >= retries) return response;
      await response?.body?.cancel();
      await sleep(2 ** attempt * (this.options.retryBaseMs ?? 1000));
    }
  }
}

async function* rangeOf(file: ReleaseUpload): AsyncGenerator<Uint8Array> {
  if (file.size === 0) return;
  yield* createReadStream(file.path, { start: file.start, end: file.start + file.size - 1 });
}

async function json<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
      detail = JSON.stringify(parsed.message ?? parsed.error ?? detail);
    } catch {
      // Not JSON (a proxy's page): its start says enough.
    }
    const hint =
      response.status === 401 || response.status === 403
        ? ' (releases need the job token or an access token with api scope, and at least Developer access)'
        : '';
    throw new McpError(`GitLab answered ${response.status} to ${what}: ${detail}${hint}`);
  }
  return JSON.parse(text) as T;
}
