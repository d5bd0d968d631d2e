// A stateful stand-in for api.github.com on 127.0.0.1 that checks every request against the
// cut of GitHub's official OpenAPI description in test/openapi/github-subset.json.
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

export type { SeededPull, StoredCommitComment, StoredIssueComment } from './github-entities';
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
  /** Clock for created_at/updated_at; default the real one. */
  now?: () => Date;
}

export interface GitHubState {
  issueComments: StoredIssueComment[];
  commitComments: StoredCommitComment[];
  pulls: Map<number, SeededPull>;
}

export interface GitHubEmulator {
  /** Use as the API base URL (GITHUB_API_URL, Octokit's baseUrl): paths are at the root. */
  url: string;
  requests: RecordedRequest[];
  violations: Violation[];
  state: GitHubState;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
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

  const handlers: Record<string, OperationHandler> = {
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
    document: loadDocument('openapi/github-subset.json'),
    handlers,
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
      return undefined;
    },
    invalidRequest: (request, messages) =>
      error(422, `Invalid request.\n\n${messages.join('\n')}`, docsOf(request)),
    notFound: () => error(404, 'Not Found'),
    notImplemented: (request) => error(501, `${request.operationId} is not emulated yet`, docsOf(request)),
  });
  return {
    url: server.url,
    requests: server.requests,
    violations: server.violations,
    state,
    close: server.close,
  };
}
