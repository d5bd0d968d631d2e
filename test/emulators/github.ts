// A stateful stand-in for api.github.com on 127.0.0.1 that checks every request against the
// cut of GitHub's official OpenAPI description in test/openapi/github-subset.json. The same port
// plays uploads.github.com below /uploads and the asset download host below /_release-assets/.
import { accessHandlers, type Dispatch, type SeededRole, type SeededWorkflow } from './github-access';
import { deploymentHandlers, type StoredDeployment } from './github-deployments';
import {
  ACTIONS_BOT,
  commitComment,
  issueComment,
  pullRequest,
  repository,
  type SeededPull,
  type StoredCommitComment,
  type StoredIssueComment,
} from './github-entities';
import {
  type GitHubFaults,
  releaseHandlers,
  type SeededRelease,
  type StoredAsset,
  type StoredRelease,
  seedReleases,
} from './github-releases';
import { loadDocument, type OpenApiDocument } from './openapi';
import { linkHeader, paginate } from './pagination';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type OperationHandler,
  type RecordedRequest,
  startValidatingServer,
  type Violation,
} from './validating-server';

export type { Dispatch, SeededRole, SeededWorkflow } from './github-access';
export type { StoredDeployment, StoredDeploymentStatus } from './github-deployments';
export type { SeededPull, StoredCommitComment, StoredIssueComment } from './github-entities';
export type { GitHubFaults, SeededRelease, StoredAsset, StoredRelease } from './github-releases';
export type { RecordedRequest, Violation } from './validating-server';

export type TokenPermission = 'read' | 'write';

export interface GitHubEmulatorOptions {
  /** Accepted tokens and what they may do; default `{ 'test-token': 'write' }`. */
  tokens?: Record<string, TokenPermission>;
  /** Shorthand for one more token that may only read, like a fork PR's GITHUB_TOKEN. */
  readOnlyToken?: string;
  /** Pull requests by number; they exist in whichever repository a request names. */
  pulls?: Record<number, SeededPull>;
  /** Comments that exist before the test starts, e.g. one left by an earlier run. */
  issueComments?: { repo: string; issueNumber: number; body: string; user?: string }[];
  commitComments?: { repo: string; sha: string; body: string; user?: string }[];
  /** Releases (drafts or published) with their assets, e.g. a storage release holding many objects. */
  releases?: SeededRelease[];
  /** Failures to stage from the start; tests may also push onto `emulator.faults` later. */
  faults?: Partial<GitHubFaults>;
  /** Repository roles by login (`repos/get-collaborator-permission-level`); others are not collaborators. */
  collaborators?: Record<string, SeededRole>;
  /** Workflow files that `workflow_dispatch` can start; default none. */
  workflows?: SeededWorkflow[];
  /** Clock for created_at/updated_at; default the real one. */
  now?: () => Date;
}

export interface GitHubState {
  issueComments: StoredIssueComment[];
  commitComments: StoredCommitComment[];
  pulls: Map<number, SeededPull>;
  releases: StoredRelease[];
  assets: StoredAsset[];
  /** Workflows started through `actions/create-workflow-dispatch`, in order. */
  dispatches: Dispatch[];
  /** Deployments with their statuses, oldest first. */
  deployments: StoredDeployment[];
}

export interface GitHubEmulator {
  /** Use as the API base URL (GITHUB_API_URL, Octokit's baseUrl): paths are at the root. */
  url: string;
  requests: RecordedRequest[];
  violations: Violation[];
  state: GitHubState;
  /** Staged failures, consumed one per matching request. */
  faults: GitHubFaults;
  /** Where release uploads go (the origin of `upload_url`): uploads.github.com's stand-in on the same port. */
  uploadsUrl: string;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const UPLOADS_PREFIX = '/uploads';
const SECONDARY_LIMIT_DOCS =
  'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits';

// The description's release-asset `state` enum lists `uploaded` and `open`, yet its own text for the
// upload operation, and github.com, leave a failed upload as `starter`: the emulator must answer it.
const DOCUMENT: OpenApiDocument = (() => {
  const document = structuredClone(loadDocument('openapi/github-subset.json'));
  const schema = document.components?.schemas?.['release-asset'] as {
    properties: { state: { enum: string[] } };
  };
  schema.properties.state.enum.push('starter');
  return document;
})();
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const error = (status: number, message: string, documentationUrl = DOCS): EmulatorResponse => ({
  status,
  body: { message, documentation_url: documentationUrl, status: String(status) },
});

const docsOf = (request: EmulatorRequest) => request.operation.externalDocs?.url ?? DOCS;

// Documented limit that the OpenAPI description does not state as maxLength.
const MAX_COMMENT_BODY = 65_536;

function tooLong(request: EmulatorRequest, resource: string): EmulatorResponse | undefined {
  const text = String((request.body as { body?: unknown }).body ?? '');
  if (text.length <= MAX_COMMENT_BODY) return undefined;
  request.violation(`comment body has ${text.length} characters; GitHub takes at most ${MAX_COMMENT_BODY}`);
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [
        {
          resource,
          code: 'unprocessable',
          field: 'data',
          message: `Body is too long (maximum is ${MAX_COMMENT_BODY} characters)`,
        },
      ],
      documentation_url: docsOf(request),
      status: '422',
    },
  };
}

function tokenOf(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const tokens = new Map<string, TokenPermission>(
    Object.entries(options.tokens ?? { 'test-token': 'write' }),
  );
  if (options.readOnlyToken) tokens.set(options.readOnlyToken, 'read');
  const now = () => (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let nextId = 1_000_001;
  let served = 0;
  const state: GitHubState = {
    pulls: new Map(Object.entries(options.pulls ?? {}).map(([n, pull]) => [Number(n), pull])),
    issueComments: (options.issueComments ?? []).map((c) => ({
      ...c,
      id: nextId++,
      user: c.user ?? ACTIONS_BOT,
      createdAt: now(),
      updatedAt: now(),
    })),
    releases: [],
    assets: [],
    dispatches: [],
    deployments: [],
    commitComments: (options.commitComments ?? []).map((c) => ({
      ...c,
      id: nextId++,
      path: null,
      line: null,
      position: null,
      user: c.user ?? ACTIONS_BOT,
      createdAt: now(),
      updatedAt: now(),
    })),
  };

  const repoOf = (request: EmulatorRequest) => `${request.params.owner}/${request.params.repo}`;
  const apiOf = (request: EmulatorRequest) => request.baseUrl;
  const body = (request: EmulatorRequest) => request.body as Record<string, unknown>;

  function list<T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown): EmulatorResponse {
    const page = paginate(all, request.query, { defaultPerPage: 30, maxPerPage: 100 });
    const link = linkHeader(`${request.baseUrl}${request.path}`, request.query, page, 'github');
    return { status: 200, body: page.items.map(render), headers: link ? { link } : {} };
  }

  const renderIssueComment = (api: string) => (c: StoredIssueComment) =>
    issueComment(api, c, state.pulls.has(c.issueNumber));

  const faults: GitHubFaults = {
    failUploads: [...(options.faults?.failUploads ?? [])],
    secondaryRateLimits: [...(options.faults?.secondaryRateLimits ?? [])],
    serverErrors: [...(options.faults?.serverErrors ?? [])],
    ignoreRange: options.faults?.ignoreRange ?? false,
  };
  let origin = '';
  const releaseContext = {
    releases: state.releases,
    assets: state.assets,
    faults,
    newId: () => nextId++,
    now,
    apiUrl: () => origin,
    uploadsUrl: () => `${origin}${UPLOADS_PREFIX}`,
    list,
    error: (status: number, message: string, request?: EmulatorRequest) =>
      error(status, message, request ? docsOf(request) : DOCS),
  };
  seedReleases(releaseContext, options.releases ?? []);
  const releases = releaseHandlers(releaseContext);
  const access = accessHandlers({
    collaborators: new Map(Object.entries(options.collaborators ?? {})),
    workflows: options.workflows ?? [],
    dispatches: state.dispatches,
    newId: () => nextId++,
    error: (status, message, request) => error(status, message, request ? docsOf(request) : DOCS),
  });

  const handlers: Record<string, OperationHandler> = {
    ...releases.handlers,
    ...access,
    ...deploymentHandlers({
      deployments: state.deployments,
      newId: () => nextId++,
      now,
      list,
      error: (status, message, request) => error(status, message, request ? docsOf(request) : DOCS),
    }),
    'issues/list-comments': (request) => {
      const number = Number(request.params.issue_number);
      const since = request.query.since;
      const comments = state.issueComments.filter(
        (c) => c.repo === repoOf(request) && c.issueNumber === number && (!since || c.updatedAt >= since),
      );
      return list(request, comments, renderIssueComment(apiOf(request)));
    },
    'issues/create-comment': (request) => {
      const refused = tooLong(request, 'IssueComment');
      if (refused) return refused;
      const comment: StoredIssueComment = {
        id: nextId++,
        repo: repoOf(request),
        issueNumber: Number(request.params.issue_number),
        body: String(body(request).body),
        user: ACTIONS_BOT,
        createdAt: now(),
        updatedAt: now(),
      };
      state.issueComments.push(comment);
      const rendered = renderIssueComment(apiOf(request))(comment);
      return { status: 201, body: rendered, headers: { location: rendered.url } };
    },
    'issues/update-comment': (request) => {
      const id = Number(request.params.comment_id);
      const comment = state.issueComments.find((c) => c.id === id && c.repo === repoOf(request));
      if (!comment) return error(404, 'Not Found', docsOf(request));
      const refused = tooLong(request, 'IssueComment');
      if (refused) return refused;
      comment.body = String(body(request).body);
      comment.updatedAt = now();
      return { status: 200, body: renderIssueComment(apiOf(request))(comment) };
    },
    'repos/list-comments-for-commit': (request) => {
      const comments = state.commitComments.filter(
        (c) => c.repo === repoOf(request) && c.sha === request.params.commit_sha,
      );
      return list(request, comments, (c) => commitComment(apiOf(request), c));
    },
    'repos/create-commit-comment': (request) => {
      const refused = tooLong(request, 'CommitComment');
      if (refused) return refused;
      const sent = body(request);
      const comment: StoredCommitComment = {
        id: nextId++,
        repo: repoOf(request),
        sha: request.params.commit_sha ?? '',
        body: String(sent.body),
        path: typeof sent.path === 'string' ? sent.path : null,
        line: typeof sent.line === 'number' ? sent.line : null,
        position: typeof sent.position === 'number' ? sent.position : null,
        user: ACTIONS_BOT,
        createdAt: now(),
        updatedAt: now(),
      };
      state.commitComments.push(comment);
      const rendered = commitComment(apiOf(request), comment);
      return { status: 201, body: rendered, headers: { location: rendered.url } };
    },
    'repos/update-commit-comment': (request) => {
      const id = Number(request.params.comment_id);
      const comment = state.commitComments.find((c) => c.id === id && c.repo === repoOf(request));
      if (!comment) return error(404, 'Not Found', docsOf(request));
      const refused = tooLong(request, 'CommitComment');
      if (refused) return refused;
      comment.body = String(body(request).body);
      comment.updatedAt = now();
      return { status: 200, body: commitComment(apiOf(request), comment) };
    },
    'pulls/get': (request) => {
      const number = Number(request.params.pull_number);
      const pull = state.pulls.get(number);
      if (!pull) return error(404, 'Not Found', docsOf(request));
      return { status: 200, body: pullRequest(apiOf(request), repoOf(request), number, pull) };
    },
    'repos/get': (request) => {
      const token = tokenOf(request.headers.authorization);
      const canPush = token !== undefined && tokens.get(token) === 'write';
      return { status: 200, body: repository(apiOf(request), repoOf(request), { canPush }) };
    },
  };

  const server = await startValidatingServer({
    document: DOCUMENT,
    handlers,
    servers: { 'https://uploads.github.com': UPLOADS_PREFIX },
    unlisted: releases.download,
    // A git ref (`heads/main`) is one path parameter on GitHub though it holds slashes.
    slashParams: ['ref'],
    contentType: 'application/json; charset=utf-8',
    headers: () => ({
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `EMU0:${(++served).toString(16).toUpperCase()}`,
    }),
    authorize: (request) => {
      const sent = request.headers.authorization;
      if (!sent) return error(401, 'Requires authentication', docsOf(request));
      const token = tokenOf(sent);
      const permission = token === undefined ? undefined : tokens.get(token);
      if (!permission) return error(401, 'Bad credentials');
      if (permission === 'read' && WRITE_METHODS.has(request.method)) {
        return error(403, 'Resource not accessible by integration', docsOf(request));
      }
      const serverError = faults.serverErrors.shift();
      if (serverError !== undefined) return error(serverError, 'Server Error');
      const retryAfter = WRITE_METHODS.has(request.method) ? faults.secondaryRateLimits.shift() : undefined;
      if (retryAfter !== undefined) {
        const refused = error(
          403,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          SECONDARY_LIMIT_DOCS,
        );
        return { ...refused, headers: { 'retry-after': String(retryAfter) } };
      }
      return undefined;
    },
    invalidRequest: (request, messages) =>
      error(422, `Invalid request.\n\n${messages.join('\n')}`, docsOf(request)),
    notFound: () => error(404, 'Not Found'),
    notImplemented: (request) => error(501, `${request.operationId} is not emulated yet`, docsOf(request)),
  });
  origin = server.url;
  return {
    url: server.url,
    uploadsUrl: `${server.url}${UPLOADS_PREFIX}`,
    requests: server.requests,
    violations: server.violations,
    state,
    faults,
    close: server.close,
  };
}
