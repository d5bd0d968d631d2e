// A stateful stand-in for GitLab's REST API v4 on 127.0.0.1 (merge request notes, commit
// comments and generic packages), checking every request against test/openapi/gitlab-subset.json.

import { spawnSync } from 'node:child_process';
import {
  accessHandlers,
  BODY_TOKEN_OPERATIONS,
  type SeededMember,
  type StoredPipeline,
} from './gitlab-access';
import {
  DEPLOYMENT_JOB_TOKEN_OPERATIONS,
  deploymentHandlers,
  type StoredDeployment,
  type StoredEnvironment,
} from './gitlab-deployments';
import {
  type GitLabFaults,
  JOB_TOKEN_OPERATIONS,
  packageHandlers,
  type SeededPackage,
  type StoredPackage,
  type StoredPackageFile,
  seedPackages,
} from './gitlab-packages';
import { RELEASE_JOB_TOKEN_OPERATIONS, releaseHandlers, type StoredGitLabRelease } from './gitlab-releases';
import { loadDocument } from './openapi';
import { linkHeader, paginate } from './pagination';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type OperationHandler,
  type RecordedRequest,
  startValidatingServer,
  type Violation,
} from './validating-server';

export type { SeededMember, StoredPipeline } from './gitlab-access';
export type { StoredDeployment, StoredEnvironment } from './gitlab-deployments';
export type { GitLabFaults, SeededPackage, StoredPackage, StoredPackageFile } from './gitlab-packages';
export type { StoredGitLabRelease, StoredReleaseLink } from './gitlab-releases';
export type { RecordedRequest, Violation } from './validating-server';

/** `project`: a project or group access token with the `api` scope; `job`: CI_JOB_TOKEN. */
export type GitLabTokenKind = 'project' | 'job';

export interface GitLabProject {
  id: number;
  /** Full path, e.g. `group/subgroup/project`; requests may name the project by it, URL-encoded. */
  path: string;
}

export interface StoredNote {
  id: number;
  projectId: number;
  mergeRequestIid: number;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredCommitNote {
  projectId: number;
  sha: string;
  note: string;
  path: string | null;
  line: number | null;
  lineType: 'new' | 'old' | null;
  author: string;
  createdAt: string;
}

export interface GitLabEmulatorOptions {
  /** Default `[{ id: 1, path: 'group/project' }]`. */
  projects?: GitLabProject[];
  /** Default `{ 'project-token': 'project', 'job-token': 'job' }`. */
  tokens?: Record<string, GitLabTokenKind>;
  /** Notes that exist before the test starts, e.g. one left by an earlier pipeline. */
  notes?: { projectId: number; mergeRequestIid: number; body: string; author?: string }[];
  /** Generic packages that exist before the test starts, e.g. a store holding many files. */
  packages?: SeededPackage[];
  /** The group's "Allow duplicates" setting for generic packages; default `allow`, as on GitLab. */
  duplicates?: 'allow' | 'reject';
  /** Failures to stage from the start; tests may also push onto `emulator.faults` later. */
  faults?: Partial<GitLabFaults>;
  /** Members of every project with their access levels (`/members/all`). */
  members?: SeededMember[];
  /** Pipeline trigger tokens accepted by `/trigger/pipeline`. */
  triggerTokens?: string[];
  /** A bare repository playing the project's: a release of a tag it lacks needs `ref`. Default: every tag exists. */
  repository?: string;
  now?: () => Date;
}

export interface GitLabState {
  projects: GitLabProject[];
  notes: StoredNote[];
  commitNotes: StoredCommitNote[];
  packages: StoredPackage[];
  packageFiles: StoredPackageFile[];
  /** Pipelines started through the pipelines or the trigger API, in order. */
  pipelines: StoredPipeline[];
  /** Environments, created by their first deployment. */
  environments: StoredEnvironment[];
  deployments: StoredDeployment[];
  /** Releases with their links, in creation order. */
  releases: StoredGitLabRelease[];
}

export interface GitLabEmulator {
  /** The instance URL (CI_SERVER_URL). */
  url: string;
  /** `${url}/api/v4` (CI_API_V4_URL). */
  apiUrl: string;
  requests: RecordedRequest[];
  violations: Violation[];
  state: GitLabState;
  /** The username notes are written as with a project token. */
  botUsername: string;
  /** Staged failures, consumed one per matching request. */
  faults: GitLabFaults;
  close(): Promise<void>;
}

const WEB = 'https://gitlab.com';

const message = (status: number, text: string): EmulatorResponse => ({ status, body: { message: text } });

/** Each header takes one kind of token: GitLab refuses a job token sent as PRIVATE-TOKEN. */
function tokenKind(
  headers: EmulatorRequest['headers'],
  tokens: ReadonlyMap<string, GitLabTokenKind>,
): GitLabTokenKind | undefined {
  const privateToken = headers['private-token'];
  if (typeof privateToken === 'string') return tokens.get(privateToken) === 'project' ? 'project' : undefined;
  const jobToken = headers['job-token'];
  if (typeof jobToken === 'string') return tokens.get(jobToken) === 'job' ? 'job' : undefined;
  const bearer = /^bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  return bearer === undefined ? undefined : tokens.get(bearer);
}

export async function startGitLabEmulator(options: GitLabEmulatorOptions = {}): Promise<GitLabEmulator> {
  const projects = options.projects ?? [{ id: 1, path: 'group/project' }];
  const tokens = new Map<string, GitLabTokenKind>(
    Object.entries(options.tokens ?? { 'project-token': 'project', 'job-token': 'job' }),
  );
  const botUsername = `project_${projects[0]?.id ?? 1}_bot`;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  let nextNoteId = 5001;
  const state: GitLabState = {
    projects,
    notes: (options.notes ?? []).map((n) => ({
      ...n,
      id: nextNoteId++,
      author: n.author ?? botUsername,
      createdAt: now(),
      updatedAt: now(),
    })),
    commitNotes: [],
    packages: [],
    packageFiles: [],
    pipelines: [],
    environments: [],
    deployments: [],
    releases: [],
  };
  const faults: GitLabFaults = {
    serverErrors: [...(options.faults?.serverErrors ?? [])],
    ignoreRange: options.faults?.ignoreRange ?? false,
  };

  const user = (username: string) => ({
    id: username === botUsername ? 9001 : 9000 + username.length,
    username,
    name: username === botUsername ? 'mcp' : username,
    state: 'active',
    locked: false,
    avatar_url: `https://secure.gravatar.com/avatar/${Buffer.from(username).toString('hex').padEnd(32, '0').slice(0, 32)}?s=80&d=identicon`,
    web_url: `${WEB}/${username}`,
  });

  const renderNote = (n: StoredNote) => ({
    id: n.id,
    type: null,
    body: n.body,
    attachment: null,
    author: user(n.author),
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    system: false,
    // A merge request's global id differs from its per-project iid.
    noteable_id: 100_000 + n.projectId * 1000 + n.mergeRequestIid,
    noteable_type: 'MergeRequest',
    project_id: n.projectId,
    noteable_iid: n.mergeRequestIid,
    commit_id: null,
    resolvable: false,
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
    commands_changes: {},
  });

  const renderCommitNote = (n: StoredCommitNote) => ({
    note: n.note,
    path: n.path,
    line: n.line,
    line_type: n.lineType,
    author: user(n.author),
    created_at: n.createdAt,
  });

  /** `:id` is a number or the project's full path, URL-encoded (`group%2Fproject`). */
  const projectOf = (request: EmulatorRequest) => {
    const id = request.params.id ?? '';
    return projects.find((p) => (/^\d+$/.test(id) ? p.id === Number(id) : p.path === id));
  };

  function list<T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown): EmulatorResponse {
    const page = paginate(all, request.query, { defaultPerPage: 20, maxPerPage: 100 });
    const link = linkHeader(`${request.baseUrl}${request.path}`, request.query, page, 'gitlab');
    const headers: Record<string, string> = {
      'x-page': String(page.page),
      'x-per-page': String(page.perPage),
      'x-next-page': page.page < page.lastPage ? String(page.page + 1) : '',
      'x-prev-page': page.page > 1 ? String(page.page - 1) : '',
      'x-total': String(all.length),
      'x-total-pages': String(page.lastPage),
    };
    if (link) headers.link = link;
    return { status: 200, body: page.items.map(render), headers };
  }

  const withProject =
    (handle: (request: EmulatorRequest, project: GitLabProject) => EmulatorResponse): OperationHandler =>
    (request) => {
      const project = projectOf(request);
      return project ? handle(request, project) : message(404, '404 Project Not Found');
    };

  const sent = (request: EmulatorRequest) => request.body as Record<string, unknown>;

  let apiUrl = '';
  let nextPackageId = 7001;
  const packageContext = {
    packages: state.packages,
    files: state.packageFiles,
    faults,
    duplicates: options.duplicates ?? 'allow',
    newId: () => nextPackageId++,
    now,
    apiUrl: () => apiUrl,
    projectOf,
    list,
  };
  seedPackages(packageContext, projects[0]?.id ?? 1, options.packages ?? []);

  const handlers: Record<string, OperationHandler> = {
    ...packageHandlers(packageContext),
    ...releaseHandlers({
      releases: state.releases,
      newId: () => nextPackageId++,
      now,
      tagExists: (_projectId, tag) =>
        !options.repository ||
        spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`], {
          cwd: options.repository,
        }).status === 0,
      projectOf,
      renderUser: user,
      botUsername,
      list,
    }),
    ...deploymentHandlers({
      environments: state.environments,
      deployments: state.deployments,
      now,
      // The job token acts as the user who started the pipeline; an access token as its bot.
      userOf: (request) => (tokenKind(request.headers, tokens) === 'job' ? 'pipeline-user' : botUsername),
      renderUser: user,
      projectOf,
      list,
    }),
    ...accessHandlers({
      members: options.members ?? [],
      triggerTokens: new Set(options.triggerTokens ?? []),
      pipelines: state.pipelines,
      webUrl: WEB,
      now,
      projectOf,
      list,
    }),
    getApiV4ProjectsIdMergeRequestsNoteableIdNotes: withProject((request, project) => {
      const iid = Number(request.params.noteable_id);
      const key = request.query.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
      const direction = request.query.sort === 'asc' ? 1 : -1;
      const notes = state.notes
        .filter((n) => n.projectId === project.id && n.mergeRequestIid === iid)
        .sort((a, b) => direction * (a[key].localeCompare(b[key]) || a.id - b.id));
      return list(request, notes, renderNote);
    }),
    postApiV4ProjectsIdMergeRequestsNoteableIdNotes: withProject((request, project) => {
      const note: StoredNote = {
        id: nextNoteId++,
        projectId: project.id,
        mergeRequestIid: Number(request.params.noteable_id),
        body: String(sent(request).body),
        author: botUsername,
        createdAt: now(),
        updatedAt: now(),
      };
      state.notes.push(note);
      return { status: 201, body: renderNote(note) };
    }),
    putApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: withProject((request, project) => {
      const note = state.notes.find(
        (n) =>
          n.id === Number(request.params.note_id) &&
          n.projectId === project.id &&
          n.mergeRequestIid === Number(request.params.noteable_id),
      );
      if (!note) return message(404, '404 Not found');
      note.body = String(sent(request).body);
      note.updatedAt = now();
      return { status: 200, body: renderNote(note) };
    }),
    getApiV4ProjectsIdRepositoryCommitsShaComments: withProject((request, project) => {
      const notes = state.commitNotes.filter(
        (n) => n.projectId === project.id && n.sha === request.params.sha,
      );
      return list(request, notes, renderCommitNote);
    }),
    postApiV4ProjectsIdRepositoryCommitsShaComments: withProject((request, project) => {
      const body = sent(request);
      const note: StoredCommitNote = {
        projectId: project.id,
        sha: request.params.sha ?? '',
        note: String(body.note),
        path: typeof body.path === 'string' ? body.path : null,
        line: typeof body.line === 'number' ? body.line : null,
        lineType: body.line_type === 'new' || body.line_type === 'old' ? body.line_type : null,
        author: botUsername,
        createdAt: now(),
      };
      state.commitNotes.push(note);
      return { status: 201, body: renderCommitNote(note) };
    }),
  };

  const server = await startValidatingServer({
    document: loadDocument('openapi/gitlab-subset.json'),
    handlers,
    authorize: (request) => {
      if (BODY_TOKEN_OPERATIONS.has(request.operationId)) return undefined;
      const kind = tokenKind(request.headers, tokens);
      if (!kind) return message(401, '401 Unauthorized');
      // The job token reaches only an allowlist of endpoints (packages, releases, deployments, ...):
      // notes and commit comments need a project access token.
      if (
        kind === 'job' &&
        !JOB_TOKEN_OPERATIONS.has(request.operationId) &&
        !DEPLOYMENT_JOB_TOKEN_OPERATIONS.has(request.operationId) &&
        !RELEASE_JOB_TOKEN_OPERATIONS.has(request.operationId)
      )
        return message(403, '403 Forbidden');
      const serverError = faults.serverErrors.shift();
      if (serverError !== undefined) return message(serverError, `${serverError} Internal Server Error`);
      return undefined;
    },
    // Grape answers a parameter error as `{ error }`, not `{ message }`.
    invalidRequest: (_request, messages) => ({ status: 400, body: { error: messages.join('; ') } }),
    notFound: () => ({ status: 404, body: { error: '404 Not Found' } }),
    notImplemented: (request) => message(501, `${request.operationId} is not emulated yet`),
  });
  apiUrl = server.baseUrl;
  return {
    url: server.url,
    apiUrl: server.baseUrl,
    faults,
    requests: server.requests,
    violations: server.violations,
    state,
    botUsername,
    close: server.close,
  };
}
