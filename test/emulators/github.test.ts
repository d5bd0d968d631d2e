import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubEmulator, type GitHubEmulatorOptions, startGitHubEmulator } from './github';

const HEAD = 'a'.repeat(40);
let emulator: GitHubEmulator;

async function start(options: GitHubEmulatorOptions = {}) {
  emulator = await startGitHubEmulator(options);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
});

async function call(method: string, path: string, body?: unknown, token: string | null = 'test-token') {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (token) headers.authorization = `token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

describe('GitHub emulator: issue comments', () => {
  it('creates, lists and updates a PR comment as github-actions[bot], with only valid traffic', async () => {
    await start({ pulls: { 7: { headSha: HEAD } } });
    const created = await call('POST', '/repos/octo/models/issues/7/comments', { body: 'first' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      body: 'first',
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: expect.stringMatching(/^https:\/\/github\.com\/octo\/models\/pull\/7#issuecomment-\d+$/),
    });

    const updated = await call('PATCH', `/repos/octo/models/issues/comments/${created.json.id}`, {
      body: 'second',
    });
    expect(updated.status).toBe(200);
    expect(updated.json.body).toBe('second');

    const listed = await call('GET', '/repos/octo/models/issues/7/comments');
    expect(listed.json.map((c: { body: string }) => c.body)).toEqual(['second']);
    expect(emulator.state.issueComments).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('pages a long list with a Link header like GitHub and follows rel="next" to the end', async () => {
    const issueComments = Array.from({ length: 5 }, (_, i) => ({
      repo: 'octo/models',
      issueNumber: 3,
      body: `c${i}`,
    }));
    await start({ issueComments });
    const bodies: string[] = [];
    let next: string | undefined = '/repos/octo/models/issues/3/comments?per_page=2';
    const links: string[] = [];
    while (next) {
      const page = await call('GET', next);
      bodies.push(...page.json.map((c: { body: string }) => c.body));
      const link = page.headers.get('link') ?? '';
      links.push(link);
      const url = /<([^>]+)>; rel="next"/.exec(link)?.[1];
      next = url?.slice(emulator.url.length);
    }
    expect(bodies).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(links[0]).toBe(
      `<${emulator.url}/repos/octo/models/issues/3/comments?per_page=2&page=2>; rel="next", ` +
        `<${emulator.url}/repos/octo/models/issues/3/comments?per_page=2&page=3>; rel="last"`,
    );
    expect(links[2]).toContain('rel="prev"');
    expect(links[2]).toContain('rel="first"');
    expect(emulator.violations).toEqual([]);
  });

  it('answers a fork PR token that tries to write with 403, as GitHub does', async () => {
    await start({ readOnlyToken: 'fork-token' });
    const read = await call('GET', '/repos/octo/models/issues/7/comments', undefined, 'fork-token');
    expect(read.status).toBe(200);
    const write = await call('POST', '/repos/octo/models/issues/7/comments', { body: 'x' }, 'fork-token');
    expect(write.status).toBe(403);
    expect(write.json).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '403',
    });
    expect(emulator.state.issueComments).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });

  it('answers 401 without a token and with an unknown one', async () => {
    await start();
    const missing = await call('GET', '/repos/octo/models/issues/7/comments', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json.message).toBe('Requires authentication');
    const unknown = await call('GET', '/repos/octo/models/issues/7/comments', undefined, 'nope');
    expect(unknown.status).toBe(401);
    expect(unknown.json).toMatchObject({ message: 'Bad credentials', status: '401' });
  });

  it('records a body that breaks the description as a violation and answers 422', async () => {
    await start();
    const missing = await call('POST', '/repos/octo/models/issues/7/comments', {});
    const number = await call('POST', '/repos/octo/models/issues/7/comments', { body: 42 });
    expect([missing.status, number.status]).toEqual([422, 422]);
    expect(emulator.violations).toEqual([
      expect.objectContaining({
        kind: 'request',
        method: 'POST',
        message: expect.stringContaining("'body'"),
      }),
      expect.objectContaining({ kind: 'request', message: 'request body: /body must be string' }),
    ]);
    expect(emulator.state.issueComments).toEqual([]);
  });

  it("refuses a body over GitHub's 65,536-character limit with 422 and records it", async () => {
    await start();
    const response = await call('POST', '/repos/octo/models/issues/7/comments', { body: 'x'.repeat(65_537) });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].message).toBe('Body is too long (maximum is 65536 characters)');
    expect(emulator.violations).toEqual([
      expect.objectContaining({ message: expect.stringContaining('65537') }),
    ]);
  });

  it('records an unknown route as a violation and answers 404', async () => {
    await start();
    const response = await call('GET', '/repos/octo/models/issue/7/comments');
    expect(response.status).toBe(404);
    expect(emulator.violations).toEqual([
      expect.objectContaining({ kind: 'request', message: expect.stringContaining('no path') }),
    ]);
  });
});

describe('GitHub emulator: commit comments, pulls and repos', () => {
  it('creates, lists and updates a comment on a commit', async () => {
    await start();
    const created = await call('POST', `/repos/octo/models/commits/${HEAD}/comments`, { body: 'metrics' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ commit_id: HEAD, body: 'metrics', path: null });
    const updated = await call('PATCH', `/repos/octo/models/comments/${created.json.id}`, {
      body: 'metrics v2',
    });
    expect(updated.json.body).toBe('metrics v2');
    const listed = await call('GET', `/repos/octo/models/commits/${HEAD}/comments`);
    expect(listed.json).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('serves a seeded fork PR with its head sha, base ref and head repository', async () => {
    await start({ pulls: { 12: { headSha: HEAD, baseRef: 'develop', headRepo: 'forker/models' } } });
    const pull = await call('GET', '/repos/octo/models/pulls/12');
    expect(pull.status).toBe(200);
    expect(pull.json).toMatchObject({
      number: 12,
      head: { sha: HEAD, repo: { full_name: 'forker/models', fork: true } },
      base: { ref: 'develop', repo: { full_name: 'octo/models' } },
    });
    expect((await call('GET', '/repos/octo/models/pulls/13')).status).toBe(404);
    expect(emulator.violations).toEqual([]);
  });

  it('serves the repository with the push permission of the token', async () => {
    await start({ readOnlyToken: 'fork-token' });
    const repo = await call('GET', '/repos/octo/models', undefined, 'fork-token');
    expect(repo.json).toMatchObject({
      full_name: 'octo/models',
      default_branch: 'main',
      permissions: { push: false },
    });
    expect(emulator.violations).toEqual([]);
  });

  it('routes release and ref operations but answers 501 until they are built', async () => {
    await start();
    const ref = await call('GET', '/repos/octo/models/git/ref/tags/model@v1.0.0');
    expect(ref.status).toBe(501);
    expect(emulator.requests.at(-1)?.operationId).toBe('git/get-ref');
    expect(emulator.violations).toEqual([]);
  });
});

describe('GitHub emulator with the real client', () => {
  it('serves @actions/github: a paginated list through octokit.paginate, valid from end to end', async () => {
    const { getOctokit } = await import('@actions/github');
    const issueComments = Array.from({ length: 45 }, (_, i) => ({
      repo: 'octo/models',
      issueNumber: 5,
      body: `c${i}`,
    }));
    await start({ issueComments });
    const octokit = getOctokit('test-token', { baseUrl: emulator.url });
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: 'octo',
      repo: 'models',
      issue_number: 5,
      per_page: 20,
    });
    expect(all).toHaveLength(45);
    await octokit.rest.issues.createComment({ owner: 'octo', repo: 'models', issue_number: 5, body: 'new' });
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 201]);
    expect(emulator.violations).toEqual([]);
  });
});
