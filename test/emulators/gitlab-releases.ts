// Releases and release links for the GitLab emulator: a release of an existing tag, created with
// its links or given them later, found by tag name (URL-encoded: `churn%40v1.0.0`).
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export interface StoredReleaseLink {
  id: number;
  name: string;
  url: string;
  directAssetPath: string | null;
  linkType: 'other' | 'runbook' | 'image' | 'package';
}

export interface StoredGitLabRelease {
  projectId: number;
  tagName: string;
  name: string;
  description: string;
  createdAt: string;
  releasedAt: string;
  links: StoredReleaseLink[];
}

export interface ReleaseContext {
  releases: StoredGitLabRelease[];
  newId: () => number;
  now: () => string;
  /** Whether the project's repository has the tag (a release of a missing tag needs `ref`). */
  tagExists: (projectId: number, tag: string) => boolean;
  projectOf: (request: EmulatorRequest) => { id: number; path: string } | undefined;
  renderUser: (username: string) => unknown;
  botUsername: string;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
}

/** The CI job token may use the releases and release links APIs (GitLab 15.1 and later). */
export const RELEASE_JOB_TOKEN_OPERATIONS = new Set([
  'postApiV4ProjectsIdReleases',
  'getApiV4ProjectsIdReleasesTagName',
  'putApiV4ProjectsIdReleasesTagName',
  'getApiV4ProjectsIdReleasesTagNameAssetsLinks',
  'postApiV4ProjectsIdReleasesTagNameAssetsLinks',
  'deleteApiV4ProjectsIdReleasesTagNameAssetsLinksLinkId',
]);

const WEB = 'https://gitlab.com';
const LINK_TYPES = new Set(['other', 'runbook', 'image', 'package']);
const message = (status: number, text: unknown): EmulatorResponse => ({ status, body: { message: text } });

export function releaseHandlers(context: ReleaseContext): Record<string, OperationHandler> {
  const sent = (request: EmulatorRequest) => (request.body ?? {}) as Record<string, unknown>;
  const withRelease =
    (
      handle: (request: EmulatorRequest, release: StoredGitLabRelease, path: string) => EmulatorResponse,
    ): OperationHandler =>
    (request) => {
      const project = context.projectOf(request);
      if (!project) return message(404, '404 Project Not Found');
      const release = context.releases.find(
        (r) => r.projectId === project.id && r.tagName === request.params.tag_name,
      );
      return release ? handle(request, release, project.path) : message(404, '404 Not Found');
    };

  const renderLink = (release: StoredGitLabRelease, path: string) => (link: StoredReleaseLink) => ({
    id: link.id,
    name: link.name,
    url: link.url,
    direct_asset_url: link.directAssetPath
      ? `${WEB}/${path}/-/releases/${encodeURIComponent(release.tagName)}/downloads${link.directAssetPath}`
      : link.url,
    link_type: link.linkType,
  });

  const renderRelease = (release: StoredGitLabRelease, path: string) => {
    const page = `${WEB}/${path}/-/releases/${encodeURIComponent(release.tagName)}`;
    return {
      tag_name: release.tagName,
      name: release.name,
      description: release.description,
      created_at: release.createdAt,
      released_at: release.releasedAt,
      upcoming_release: false,
      author: context.renderUser(context.botUsername),
      commit_path: `/${path}/-/commit/${release.tagName}`,
      tag_path: `/${path}/-/tags/${encodeURIComponent(release.tagName)}`,
      assets: {
        count: release.links.length + 4,
        sources: ['zip', 'tar.gz', 'tar.bz2', 'tar'].map((format) => ({
          format,
          url: `${WEB}/${path}/-/archive/${release.tagName}/${path.split('/').at(-1)}-${release.tagName}.${format}`,
        })),
        links: release.links.map(renderLink(release, path)),
      },
      evidences: [],
      _links: { self: page, edit_url: `${page}/edit` },
    };
  };

  /** Link names and URLs are unique within a release; an invalid link type is refused. */
  const checkLink = (release: StoredGitLabRelease, link: Record<string, unknown>): string | undefined => {
    if (release.links.some((l) => l.name === link.name)) return 'name has already been taken';
    if (release.links.some((l) => l.url === link.url)) return 'url has already been taken';
    if (!/^(https?|ftp):\/\//.test(String(link.url)))
      return 'url is blocked: Only allowed schemes are http, https, ftp';
    const path = link.direct_asset_path ?? link.filepath;
    if (path !== undefined && !String(path).startsWith('/')) return 'filepath is in an invalid format';
    if (link.link_type !== undefined && !LINK_TYPES.has(String(link.link_type)))
      return 'link_type is invalid';
    return undefined;
  };
  const newLink = (link: Record<string, unknown>): StoredReleaseLink => ({
    id: context.newId(),
    name: String(link.name),
    url: String(link.url),
    directAssetPath: (link.direct_asset_path ?? link.filepath ?? null) as string | null,
    linkType: (link.link_type ?? 'other') as StoredReleaseLink['linkType'],
  });

  return {
    postApiV4ProjectsIdReleases: (request) => {
      const project = context.projectOf(request);
      if (!project) return message(404, '404 Project Not Found');
      const body = sent(request);
      const tag = String(body.tag_name);
      if (context.releases.some((r) => r.projectId === project.id && r.tagName === tag)) {
        return message(409, 'Release already exists');
      }
      if (!body.ref && !context.tagExists(project.id, tag)) return message(422, 'Ref is not specified');
      const release: StoredGitLabRelease = {
        projectId: project.id,
        tagName: tag,
        name: typeof body.name === 'string' ? body.name : tag,
        description: typeof body.description === 'string' ? body.description : '',
        createdAt: context.now(),
        releasedAt: typeof body.released_at === 'string' ? body.released_at : context.now(),
        links: [],
      };
      const links = (body.assets as { links?: Record<string, unknown>[] } | undefined)?.links ?? [];
      for (const link of links) {
        const problem = checkLink(release, link);
        if (problem) return message(400, problem);
        release.links.push(newLink(link));
      }
      context.releases.push(release);
      return { status: 201, body: renderRelease(release, project.path) };
    },
    getApiV4ProjectsIdReleasesTagName: withRelease((_request, release, path) => ({
      status: 200,
      body: renderRelease(release, path),
    })),
    putApiV4ProjectsIdReleasesTagName: withRelease((request, release, path) => {
      const body = sent(request);
      if (typeof body.name === 'string') release.name = body.name;
      if (typeof body.description === 'string') release.description = body.description;
      if (typeof body.released_at === 'string') release.releasedAt = body.released_at;
      return { status: 200, body: renderRelease(release, path) };
    }),
    getApiV4ProjectsIdReleasesTagNameAssetsLinks: withRelease((request, release, path) =>
      context.list(request, release.links, renderLink(release, path)),
    ),
    postApiV4ProjectsIdReleasesTagNameAssetsLinks: withRelease((request, release, path) => {
      const body = sent(request);
      const problem = checkLink(release, body);
      if (problem) return message(400, problem);
      const link = newLink(body);
      release.links.push(link);
      return { status: 201, body: renderLink(release, path)(link) };
    }),
    deleteApiV4ProjectsIdReleasesTagNameAssetsLinksLinkId: withRelease((request, release, path) => {
      const link = release.links.find((l) => l.id === Number(request.params.link_id));
      if (!link) return message(404, '404 Not found');
      release.links.splice(release.links.indexOf(link), 1);
      return { status: 200, body: renderLink(release, path)(link) };
    }),
  };
}
