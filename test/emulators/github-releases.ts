// Releases and release assets for the GitHub emulator: the storage release of the content store
// and the registry's model releases. Uploads arrive on the uploads host (served under a path prefix
// of the same port), downloads redirect to a host outside the API that serves bytes with ranges.
import { createHash } from 'node:crypto';
import { ACTIONS_BOT, nodeId, simpleUser, WEB } from './github-entities';
import { serveBytes } from './ranges';
import type {
  EmulatorRequest,
  EmulatorResponse,
  OperationHandler,
  UnlistedRequest,
} from './validating-server';

export interface StoredRelease {
  id: number;
  repo: string;
  tagName: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  targetCommitish: string;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

export interface StoredAsset {
  id: number;
  releaseId: number;
  name: string;
  label: string | null;
  /** `starter`: an upload that failed half-way left it; it cannot be downloaded, only deleted. */
  state: 'uploaded' | 'starter';
  contentType: string;
  bytes: Buffer;
  createdAt: string;
  updatedAt: string;
  downloads: number;
}

export interface SeededRelease {
  repo: string;
  tagName: string;
  draft?: boolean;
  name?: string;
  assets?: { name: string; content: Buffer | string; state?: StoredAsset['state'] }[];
}

export interface GitHubFaults {
  /** How each of the next uploads fails half-way, leaving a `starter` asset: 502 (documented) or a dropped connection. */
  failUploads: ('bad-gateway' | 'hang-up')[];
  /** Retry-after seconds for each of the next content-creating requests, answered 403 "secondary rate limit". */
  secondaryRateLimits: number[];
  /** Status (500, 502, 503…) for each of the next API requests, before they reach their operation. */
  serverErrors: number[];
  /** The download host answers a Range request with 200 and the whole object. */
  ignoreRange: boolean;
}

export interface ReleaseContext {
  releases: StoredRelease[];
  assets: StoredAsset[];
  faults: GitHubFaults;
  newId: () => number;
  now: () => string;
  /** The API origin and the uploads origin, known once the server listens. */
  apiUrl: () => string;
  uploadsUrl: () => string;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
  error: (status: number, message: string, request?: EmulatorRequest) => EmulatorResponse;
}

/** Where an asset's download redirects to: a path outside the API, as objects.githubusercontent.com is. */
export const DOWNLOAD_PREFIX = '/_release-assets/';

// GitHub renames what it will not keep in an asset name (documented under "Upload a release asset").
const assetName = (name: string) => name.replace(/[^\w.-]/g, '.').replace(/^\.+|\.+$/g, '');

export function seedReleases(context: ReleaseContext, seeds: SeededRelease[]): void {
  for (const seed of seeds) {
    const release = newRelease(context, seed.repo, {
      tag_name: seed.tagName,
      name: seed.name ?? seed.tagName,
      draft: seed.draft ?? false,
    });
    for (const asset of seed.assets ?? []) {
      const bytes = Buffer.from(asset.content);
      context.assets.push({
        id: context.newId(),
        releaseId: release.id,
        name: asset.name,
        label: null,
        state: asset.state ?? 'uploaded',
        contentType: 'application/octet-stream',
        bytes: asset.state === 'starter' ? Buffer.alloc(0) : bytes,
        createdAt: context.now(),
        updatedAt: context.now(),
        downloads: 0,
      });
    }
  }
}

function newRelease(context: ReleaseContext, repo: string, sent: Record<string, unknown>): StoredRelease {
  const draft = sent.draft === true;
  const release: StoredRelease = {
    id: context.newId(),
    repo,
    tagName: String(sent.tag_name),
    name: typeof sent.name === 'string' ? sent.name : null,
    body: typeof sent.body === 'string' ? sent.body : null,
    draft,
    prerelease: sent.prerelease === true,
    targetCommitish: typeof sent.target_commitish === 'string' ? sent.target_commitish : 'main',
    createdAt: context.now(),
    updatedAt: context.now(),
    publishedAt: draft ? null : context.now(),
  };
  context.releases.push(release);
  return release;
}

export function releaseHandlers(context: ReleaseContext): {
  handlers: Record<string, OperationHandler>;
  download: (request: UnlistedRequest) => EmulatorResponse | undefined;
} {
  const { releases, assets, faults } = context;
  const repoOf = (request: EmulatorRequest) => `${request.params.owner}/${request.params.repo}`;
  const sent = (request: EmulatorRequest) => (request.body ?? {}) as Record<string, unknown>;
  const releaseOf = (request: EmulatorRequest) =>
    releases.find((r) => r.id === Number(request.params.release_id) && r.repo === repoOf(request));
  const assetOf = (request: EmulatorRequest) => {
    const asset = assets.find((a) => a.id === Number(request.params.asset_id));
    const release = releases.find((r) => r.id === asset?.releaseId);
    return asset && release?.repo === repoOf(request) ? { asset, release } : undefined;
  };

  const renderAsset = (release: StoredRelease) => (asset: StoredAsset) => ({
    url: `${context.apiUrl()}/repos/${release.repo}/releases/assets/${asset.id}`,
    browser_download_url: `${WEB}/${release.repo}/releases/download/${release.tagName}/${asset.name}`,
    id: asset.id,
    node_id: nodeId('RA', asset.id),
    name: asset.name,
    label: asset.label,
    state: asset.state,
    content_type: asset.contentType,
    size: asset.bytes.length,
    digest:
      asset.state === 'uploaded' ? `sha256:${createHash('sha256').update(asset.bytes).digest('hex')}` : null,
    download_count: asset.downloads,
    created_at: asset.createdAt,
    updated_at: asset.updatedAt,
    uploader: simpleUser(context.apiUrl(), ACTIONS_BOT),
  });

  const renderRelease = (release: StoredRelease) => {
    const api = `${context.apiUrl()}/repos/${release.repo}`;
    // A draft has no tag yet: github.com names its page after a generated placeholder tag.
    const placeholder = createHash('sha1').update(`draft:${release.id}`).digest('hex').slice(0, 20);
    const shownTag = release.draft ? `untagged-${placeholder}` : release.tagName;
    return {
      url: `${api}/releases/${release.id}`,
      html_url: `${WEB}/${release.repo}/releases/tag/${shownTag}`,
      assets_url: `${api}/releases/${release.id}/assets`,
      upload_url: `${context.uploadsUrl()}/repos/${release.repo}/releases/${release.id}/assets{?name,label}`,
      tarball_url: release.draft ? null : `${api}/tarball/${release.tagName}`,
      zipball_url: release.draft ? null : `${api}/zipball/${release.tagName}`,
      id: release.id,
      node_id: nodeId('RE', release.id),
      tag_name: release.tagName,
      target_commitish: release.targetCommitish,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      immutable: false,
      created_at: release.createdAt,
      published_at: release.publishedAt,
      updated_at: release.updatedAt,
      author: simpleUser(context.apiUrl(), ACTIONS_BOT),
      assets: assets.filter((a) => a.releaseId === release.id).map(renderAsset(release)),
    };
  };

  const alreadyExists = (request: EmulatorRequest, resource: string, field: string): EmulatorResponse => ({
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code: 'already_exists', field }],
      documentation_url: request.operation.externalDocs?.url ?? 'https://docs.github.com/rest',
      status: '422',
    },
  });

  const handlers: Record<string, OperationHandler> = {
    'repos/list-releases': (request) => {
      const mine = releases.filter((r) => r.repo === repoOf(request)).sort((a, b) => b.id - a.id);
      return context.list(request, mine, renderRelease);
    },
    'repos/create-release': (request) => {
      const body = sent(request);
      // Drafts reserve no tag, so several may share one; a published release owns its tag.
      const taken = releases.some(
        (r) => r.repo === repoOf(request) && !r.draft && r.tagName === body.tag_name,
      );
      if (body.draft !== true && taken) return alreadyExists(request, 'Release', 'tag_name');
      const release = newRelease(context, repoOf(request), body);
      const rendered = renderRelease(release);
      return { status: 201, body: rendered, headers: { location: rendered.url } };
    },
    'repos/get-release-by-tag': (request) => {
      // Drafts are not found by tag, which is why the content store lists releases instead.
      const release = releases.find(
        (r) => r.repo === repoOf(request) && !r.draft && r.tagName === request.params.tag,
      );
      return release
        ? { status: 200, body: renderRelease(release) }
        : context.error(404, 'Not Found', request);
    },
    'repos/update-release': (request) => {
      const release = releaseOf(request);
      if (!release) return context.error(404, 'Not Found', request);
      const body = sent(request);
      if (typeof body.tag_name === 'string') release.tagName = body.tag_name;
      if (typeof body.name === 'string') release.name = body.name;
      if (typeof body.body === 'string') release.body = body.body;
      if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease;
      if (typeof body.draft === 'boolean') {
        if (release.draft && !body.draft) release.publishedAt = context.now();
        release.draft = body.draft;
      }
      release.updatedAt = context.now();
      return { status: 200, body: renderRelease(release) };
    },
    'repos/delete-release': (request) => {
      const release = releaseOf(request);
      if (!release) return context.error(404, 'Not Found', request);
      releases.splice(releases.indexOf(release), 1);
      for (let i = assets.length - 1; i >= 0; i--)
        if (assets[i]?.releaseId === release.id) assets.splice(i, 1);
      return { status: 204 };
    },
    'repos/list-release-assets': (request) => {
      const release = releaseOf(request);
      if (!release) return context.error(404, 'Not Found', request);
      return context.list(
        request,
        assets.filter((a) => a.releaseId === release.id),
        renderAsset(release),
      );
    },
    'repos/upload-release-asset': (request) => {
      const release = releaseOf(request);
      if (!release) return context.error(404, 'Not Found', request);
      // A chunked upload has none; GitHub needs the size up front.
      if (request.headers['content-length'] === undefined)
        request.violation('an upload needs a Content-Length header');
      const contentType = request.headers['content-type'];
      if (!contentType) request.violation('an upload needs a Content-Type header');
      const name = assetName(request.query.name ?? '');
      if (assets.some((a) => a.releaseId === release.id && a.name === name)) {
        return alreadyExists(request, 'ReleaseAsset', 'name');
      }
      const failure = faults.failUploads.shift();
      const asset: StoredAsset = {
        id: context.newId(),
        releaseId: release.id,
        name,
        label: request.query.label ?? null,
        state: failure ? 'starter' : 'uploaded',
        contentType: contentType ?? 'application/octet-stream',
        bytes: failure ? Buffer.alloc(0) : request.rawBody,
        createdAt: context.now(),
        updatedAt: context.now(),
        downloads: 0,
      };
      assets.push(asset);
      if (failure === 'hang-up') return { status: 0, hangUp: true };
      if (failure === 'bad-gateway') return { status: 502, body: { message: 'Bad Gateway' } };
      return { status: 201, body: renderAsset(release)(asset) };
    },
    'repos/get-release-asset': (request) => {
      const found = assetOf(request);
      if (!found) return context.error(404, 'Not Found', request);
      if (!/application\/octet-stream/.test(request.headers.accept ?? '')) {
        return { status: 200, body: renderAsset(found.release)(found.asset) };
      }
      if (found.asset.state !== 'uploaded') return context.error(404, 'Not Found', request);
      found.asset.downloads++;
      return { status: 302, headers: { location: `${context.apiUrl()}${DOWNLOAD_PREFIX}${found.asset.id}` } };
    },
    'repos/delete-release-asset': (request) => {
      const found = assetOf(request);
      if (!found) return context.error(404, 'Not Found', request);
      assets.splice(assets.indexOf(found.asset), 1);
      return { status: 204 };
    },
  };

  const download = (request: UnlistedRequest): EmulatorResponse | undefined => {
    if (!request.path.startsWith(DOWNLOAD_PREFIX)) return undefined;
    const asset = assets.find((a) => String(a.id) === request.path.slice(DOWNLOAD_PREFIX.length));
    if (asset?.state !== 'uploaded' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return { status: 404, raw: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } };
    }
    const range = request.headers.range;
    return serveBytes(asset.bytes, range, { ignoreRange: faults.ignoreRange });
  };

  return { handlers, download };
}
