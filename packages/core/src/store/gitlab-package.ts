import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ByteRange, MissingObject, OBJECT_NAME, type ObjectBackend, type ObjectInfo } from './backend';
import { bodyInRange, FileBody, rangeHeader } from './http-body';

export interface GitLabPackageBackendOptions {
  token: string;
  /** `job`: CI_JOB_TOKEN, sent as JOB-TOKEN (allowed for the package registry); `private`: a project, group or personal access token, sent as PRIVATE-TOKEN. */
  tokenKind: 'job' | 'private';
  /** Project id or full path (`group/project`). */
  project: string | number;
  /** The REST root, CI_API_V4_URL; default https://gitlab.com/api/v4. */
  apiUrl?: string;
  /** Generic package holding the objects; default `mcp-store`. */
  packageName?: string;
  /** Default `1`. */
  packageVersion?: string;
  /** Largest file the instance takes; default 5 GiB, gitlab.com's limit for generic packages. */
  maxObjectSize?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Retries of a request that met a server error, a 429 or no answer; default 3. */
  retries?: number;
  /** Milliseconds per second of waiting: scales retry-after and the 1, 2, 4 s backoff. Default 1000. */
  retryBaseMs?: number;
}

interface PackageFile {
  id: number;
  package_id: number;
  file_name: string;
  size: number;
}

/** The package name and file name rules of generic packages. */
const PLAIN_NAME = /^[A-Za-z0-9._-]+$/;
/** GitLab's `\A(\.?[\w\+-]+\.?)+\z` for generic package versions. */
const VERSION = /^(\.?[\w+-]+\.?)+$/;

export class GitLabRequestError extends Error {
  override name = 'GitLabRequestError';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(`GitLab answered ${status} to ${what}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * Objects as the files of one generic package (`mcp-store`, version `1` by default). GitLab keeps a
 * second file of the same name as a duplicate and serves the latest; names here are
 * content-addressed, so `put` looks before it uploads and a duplicate would be harmless anyway.
 */
export class GitLabPackageBackend implements ObjectBackend {
  readonly description: string;
  readonly maxObjectSize: number;
  private readonly api: string;
  private readonly projectPath: string;
  private readonly packageName: string;
  private readonly packageVersion: string;
  private readonly auth: Record<string, string>;
  private readonly fetch: typeof fetch;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private index?: Promise<Map<string, PackageFile[]>>;
  private uploads: Promise<unknown> = Promise.resolve();

  constructor(options: GitLabPackageBackendOptions) {
    this.packageName = options.packageName ?? 'mcp-store';
    this.packageVersion = options.packageVersion ?? '1';
    if (!PLAIN_NAME.test(this.packageName)) {
      throw new Error(`not a generic package name (letters, digits, ., -, _): ${this.packageName}`);
    }
    if (!VERSION.test(this.packageVersion))
      throw new Error(`not a generic package version: ${this.packageVersion}`);
    this.api = (options.apiUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
    this.projectPath = `/projects/${encodeURIComponent(String(options.project))}`;
    this.auth = { [options.tokenKind === 'job' ? 'JOB-TOKEN' : 'PRIVATE-TOKEN']: options.token };
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.maxObjectSize = options.maxObjectSize ?? 5 * 1024 ** 3;
    this.description = `generic package ${this.packageName} ${this.packageVersion} of project ${options.project}`;
  }

  async list(): Promise<ObjectInfo[]> {
    const index = await this.refresh();
    return [...index.entries()]
      .map(([name, files]) => ({ name, size: files.at(-1)?.size ?? 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async put(name: string, source: string, size: number): Promise<void> {
    if (!OBJECT_NAME.test(name)) throw new Error(`not an object name: ${name}`);
    if (size > this.maxObjectSize) {
      throw new Error(`${name} has ${size} bytes; ${this.description} takes at most ${this.maxObjectSize}`);
    }
    if ((await this.files()).has(name)) return;
    // GitLab asks for uploads into one package to be serial: concurrent ones into a new package
    // race to create it and fail with 500.
    const turn = this.uploads.then(() => this.upload(name, source, size));
    this.uploads = turn.catch(() => {});
    await turn;
  }

  async get(name: string, range?: ByteRange): Promise<Readable> {
    const response = await this.request('GET', this.fileUrl(name), {
      headers: range ? { range: rangeHeader(range) } : {},
    });
    if (response.status === 404) {
      await response.body?.cancel();
      throw new MissingObject(name, this.description);
    }
    if (!response.ok) throw await failure(response, `downloading ${name}`);
    const body = response.body as AsyncIterable<Uint8Array> | null;
    return bodyInRange(response.status, response.headers.get('content-range') ?? undefined, body, range);
  }

  async delete(name: string): Promise<void> {
    const files = (await this.files()).get(name) ?? (await this.refresh()).get(name) ?? [];
    // Every duplicate goes, or the download would serve an older one.
    for (const file of files) {
      const response = await this.request(
        'DELETE',
        `${this.api}${this.projectPath}/packages/${file.package_id}/package_files/${file.id}`,
      );
      if (!response.ok && response.status !== 404) throw await failure(response, `deleting ${name}`);
      await response.body?.cancel();
    }
    (await this.files()).delete(name);
  }

  private async upload(name: string, source: string, size: number): Promise<void> {
    // An upload queued behind another of the same name finds it done.
    if ((await this.files()).has(name)) return;
    const response = await this.request('PUT', `${this.fileUrl(name)}?select=package_file`, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: new FileBody(source),
    });
    if (response.status === 400) {
      const detail = await response.text();
      // With duplicates turned off, another job's upload of the same object is refused.
      if (/duplicate package is not allowed/i.test(detail) && (await this.refresh()).has(name)) return;
      throw new GitLabRequestError(400, `uploading ${name}`, detail);
    }
    if (!response.ok) throw await failure(response, `uploading ${name}`);
    const file = (await response.json()) as PackageFile;
    const index = await this.files();
    index.set(name, [...(index.get(name) ?? []), file]);
  }

  private fileUrl(name: string): string {
    const { packageName, packageVersion } = this;
    return `${this.api}${this.projectPath}/packages/generic/${packageName}/${packageVersion}/${name}`;
  }

  private files(): Promise<Map<string, PackageFile[]>> {
    if (this.index) return this.index;
    const index = this.listFiles();
    this.index = index;
    index.catch(() => {
      if (this.index === index) this.index = undefined;
    });
    return index;
  }

  private refresh(): Promise<Map<string, PackageFile[]>> {
    this.index = undefined;
    return this.files();
  }

  private async listFiles(): Promise<Map<string, PackageFile[]>> {
    const query = new URLSearchParams({
      package_type: 'generic',
      package_name: this.packageName,
      package_version: this.packageVersion,
      per_page: '100',
    });
    const index = new Map<string, PackageFile[]>();
    // package_name is a fuzzy search, and an instance older than 16.6 ignores package_version.
    for await (const pkg of this.pages<{ id: number; name: string; version: string }>(`/packages?${query}`)) {
      if (pkg.name !== this.packageName || pkg.version !== this.packageVersion) continue;
      for await (const file of this.pages<PackageFile>(`/packages/${pkg.id}/package_files?per_page=100`)) {
        index.set(file.file_name, [...(index.get(file.file_name) ?? []), file]);
      }
    }
    return index;
  }

  /**
   * Every item of a paginated list. X-Next-Page comes first: the `Link` URLs carry the instance's
   * external URL, which may not be the API URL a runner reaches it by (and must not get the token).
   */
  private async *pages<T>(path: string): AsyncGenerator<T> {
    let url: string | undefined = `${this.api}${this.projectPath}${path}`;
    while (url) {
      const response = await this.request('GET', url);
      if (!response.ok) throw await failure(response, `listing ${this.description}`);
      yield* (await response.json()) as T[];
      const nextPage = response.headers.get('x-next-page');
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      if (nextPage) url = withPage(url, nextPage);
      else url = next?.startsWith(`${this.api}/`) ? next : undefined;
    }
  }

  private async request(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: FileBody } = {},
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await this.fetch(url, {
          method,
          headers: { ...this.auth, ...init.headers },
          // A FileBody reads the file again for each attempt.
          ...(init.body ? { body: init.body as unknown as RequestInit['body'], duplex: 'half' } : {}),
        });
      } catch (error) {
        if (attempt >= this.retries) throw error;
      }
      if (response && response.status !== 429 && response.status < 500) return response;
      if (response && attempt >= this.retries) return response;
      const retryAfter = Number(response?.headers.get('retry-after'));
      await response?.body?.cancel();
      await sleep((retryAfter > 0 ? retryAfter : 2 ** attempt) * this.retryBaseMs);
    }
  }
}

function withPage(url: string, page: string): string {
  const next = new URL(url);
  next.searchParams.set('page', page);
  return next.toString();
}

async function failure(response: Response, what: string): Promise<GitLabRequestError> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    detail = String(parsed.message ?? parsed.error ?? detail);
  } catch {
    // Not JSON (a proxy's HTML page): the start of it says enough.
  }
  return new GitLabRequestError(response.status, what, detail);
}
