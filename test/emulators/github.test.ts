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

describe('GitHub emulator: releases and assets', () => {
  async function upload(url: string, name: string, bytes: Buffer, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}?name=${name}`, {
      method: 'POST',
      headers: {
        authorization: 'token test-token',
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        ...headers,
      },
      body: bytes,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('keeps drafts out of get-release-by-tag and serves uploads on the uploads host only', async () => {
    await start();
    const draft = await call('POST', '/repos/octo/models/releases', { tag_name: 'mcp-store', draft: true });
    expect(draft.status).toBe(201);
    expect(draft.json.upload_url).toBe(
      `${emulator.uploadsUrl}/repos/octo/models/releases/${draft.json.id}/assets{?name,label}`,
    );
    expect((await call('GET', '/repos/octo/models/releases/tags/mcp-store')).status).toBe(404);
    const uploadUrl = draft.json.upload_url.replace('{?name,label}', '');
    const uploaded = await upload(uploadUrl, 'blob-1', Buffer.from('hello'));
    expect(uploaded).toMatchObject({ status: 201, json: { name: 'blob-1', state: 'uploaded', size: 5 } });
    expect(emulator.violations).toEqual([]);

    const misdirected = await upload(
      `${emulator.url}/repos/octo/models/releases/${draft.json.id}/assets`,
      'b',
      Buffer.from('x'),
    );
    expect(misdirected.status).toBe(404);
    expect(emulator.violations).toEqual([
      expect.objectContaining({
        message: 'repos/upload-release-asset is served at https://uploads.github.com, not here',
      }),
    ]);
  });

  it('refuses a second asset of one name with 422 and a second published release of one tag', async () => {
    await start({
      releases: [
        { repo: 'octo/models', tagName: 'model@v1.0.0', assets: [{ name: 'model.onnx', content: 'm' }] },
      ],
    });
    const release = emulator.state.releases[0];
    const again = await upload(
      `${emulator.uploadsUrl}/repos/octo/models/releases/${release?.id}/assets`,
      'model.onnx',
      Buffer.from('m'),
    );
    expect(again.status).toBe(422);
    expect(again.json.errors).toEqual([{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }]);
    const published = await call('POST', '/repos/octo/models/releases', { tag_name: 'model@v1.0.0' });
    expect(published.status).toBe(422);
    expect((await call('GET', '/repos/octo/models/releases/tags/model@v1.0.0')).json.assets).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('leaves a starter asset after a staged failed upload, and records a chunked upload', async () => {
    await start({
      releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true }],
      faults: { failUploads: ['bad-gateway'] },
    });
    const url = `${emulator.uploadsUrl}/repos/octo/models/releases/${emulator.state.releases[0]?.id}/assets`;
    expect((await upload(url, 'blob-1', Buffer.from('data'))).status).toBe(502);
    const listed = await call('GET', `/repos/octo/models/releases/${emulator.state.releases[0]?.id}/assets`);
    expect(listed.json).toEqual([expect.objectContaining({ name: 'blob-1', state: 'starter', size: 0 })]);
    expect(emulator.violations).toEqual([]);
    const chunked = await fetch(`${url}?name=blob-2`, {
      method: 'POST',
      headers: { authorization: 'token test-token', 'content-type': 'application/octet-stream' },
      body: new Blob(['data']).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(201);
    expect(emulator.violations.map((v) => v.message)).toEqual(['an upload needs a Content-Length header']);
  });

  it('redirects a download to a host that answers ranges with 206, or the whole object when told to ignore them', async () => {
    await start({
      releases: [
        {
          repo: 'octo/models',
          tagName: 'mcp-store',
          draft: true,
          assets: [{ name: 'blob', content: '0123456789' }],
        },
      ],
    });
    const id = emulator.state.assets[0]?.id;
    const asset = await fetch(`${emulator.url}/repos/octo/models/releases/assets/${id}`, {
      headers: { authorization: 'token test-token', accept: 'application/octet-stream' },
      redirect: 'manual',
    });
    expect(asset.status).toBe(302);
    const location = asset.headers.get('location') ?? '';
    const get = (range?: string) => fetch(location, { headers: range ? { range } : {} });
    const part = await get('bytes=2-4');
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([
      206,
      'bytes 2-4/10',
      '234',
    ]);
    const suffix = await get('bytes=-3');
    expect([suffix.status, await suffix.text()]).toEqual([206, '789']);
    expect((await get('bytes=10-')).status).toBe(416);
    emulator.faults.ignoreRange = true;
    const whole = await get('bytes=2-4');
    expect([whole.status, await whole.text()]).toEqual([200, '0123456789']);
    expect(emulator.violations).toEqual([]);
  });

  it('answers staged secondary rate limits with 403 and retry-after, on writes only', async () => {
    await start({ faults: { secondaryRateLimits: [7] } });
    expect((await call('GET', '/repos/octo/models/releases')).status).toBe(200);
    const limited = await call('POST', '/repos/octo/models/releases', { tag_name: 'mcp-store', draft: true });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json.message).toMatch(/secondary rate limit/);
    expect(
      (await call('POST', '/repos/octo/models/releases', { tag_name: 'mcp-store', draft: true })).status,
    ).toBe(201);
  });
});
