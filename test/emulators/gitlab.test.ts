import { afterEach, describe, expect, it } from 'vitest';
import { type GitLabEmulator, type GitLabEmulatorOptions, startGitLabEmulator } from './gitlab';

const SHA = 'b'.repeat(40);
let emulator: GitLabEmulator;

async function start(options: GitLabEmulatorOptions = {}) {
  emulator = await startGitLabEmulator(options);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
});

type Auth = { 'PRIVATE-TOKEN': string } | { 'JOB-TOKEN': string } | Record<string, never>;

async function call(
  method: string,
  path: string,
  body?: unknown,
  auth: Auth = { 'PRIVATE-TOKEN': 'project-token' },
) {
  const headers: Record<string, string> = { ...auth };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

describe('GitLab emulator: merge request notes', () => {
  it('creates, lists and updates a note with a project access token, with only valid traffic', async () => {
    await start();
    const created = await call('POST', '/projects/1/merge_requests/4/notes', { body: 'metrics' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      body: 'metrics',
      noteable_type: 'MergeRequest',
      noteable_iid: 4,
      project_id: 1,
      author: { username: emulator.botUsername },
    });

    const updated = await call('PUT', `/projects/1/merge_requests/4/notes/${created.json.id}`, {
      body: 'v2',
    });
    expect(updated.status).toBe(200);
    expect(updated.json.body).toBe('v2');

    const listed = await call('GET', '/projects/1/merge_requests/4/notes');
    expect(listed.json.map((n: { body: string }) => n.body)).toEqual(['v2']);
    expect(emulator.violations).toEqual([]);
  });

  it('accepts the project as a URL-encoded path', async () => {
    await start({ projects: [{ id: 42, path: 'ml-team/models' }] });
    const created = await call('POST', '/projects/ml-team%2Fmodels/merge_requests/1/notes', { body: 'hi' });
    expect(created.status).toBe(201);
    expect(created.json.project_id).toBe(42);
    expect((await call('GET', '/projects/42/merge_requests/1/notes')).json).toHaveLength(1);
    expect((await call('GET', '/projects/other%2Fproject/merge_requests/1/notes')).status).toBe(404);
    expect(emulator.violations).toEqual([]);
  });

  it('refuses a job token with 403 and leaves no note', async () => {
    await start();
    const response = await call(
      'POST',
      '/projects/1/merge_requests/4/notes',
      { body: 'x' },
      { 'JOB-TOKEN': 'job-token' },
    );
    expect(response.status).toBe(403);
    expect(response.json).toEqual({ message: '403 Forbidden' });
    expect(emulator.state.notes).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });

  it('answers 401 without a token, and for a job token sent as PRIVATE-TOKEN', async () => {
    await start();
    expect((await call('GET', '/projects/1/merge_requests/4/notes', undefined, {})).status).toBe(401);
    const misplaced = await call('GET', '/projects/1/merge_requests/4/notes', undefined, {
      'PRIVATE-TOKEN': 'job-token',
    });
    expect(misplaced.status).toBe(401);
    expect(misplaced.json).toEqual({ message: '401 Unauthorized' });
  });

  it('pages newest first with GitLab headers by default, and oldest first with sort=asc', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const notes = Array.from({ length: 5 }, (_, i) => ({ projectId: 1, mergeRequestIid: 2, body: `n${i}` }));
    const tick = () => {
      clock += 1000;
      return new Date(clock);
    };
    await start({ notes, now: tick });
    const first = await call('GET', '/projects/1/merge_requests/2/notes?per_page=2');
    expect(first.json.map((n: { body: string }) => n.body)).toEqual(['n4', 'n3']);
    expect(first.headers.get('x-total')).toBe('5');
    expect(first.headers.get('x-total-pages')).toBe('3');
    expect(first.headers.get('x-next-page')).toBe('2');
    expect(first.headers.get('link')).toContain('rel="next"');

    const bodies: string[] = [];
    for (let page = '1'; page; ) {
      const response = await call(
        'GET',
        `/projects/1/merge_requests/2/notes?sort=asc&per_page=2&page=${page}`,
      );
      bodies.push(...response.json.map((n: { body: string }) => n.body));
      page = response.headers.get('x-next-page') ?? '';
    }
    expect(bodies).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(emulator.violations).toEqual([]);
  });

  it('records a missing or non-string body as a violation and answers 400', async () => {
    await start();
    expect((await call('POST', '/projects/1/merge_requests/4/notes', { note: 'wrong field' })).status).toBe(
      400,
    );
    expect((await call('POST', '/projects/1/merge_requests/4/notes', { body: 7 })).status).toBe(400);
    expect(emulator.violations.map((v) => v.kind)).toEqual(['request', 'request']);
    expect(emulator.violations.map((v) => v.message).join('\n')).toMatch(/body/);
    expect(emulator.state.notes).toEqual([]);
  });

  it('records an unknown route as a violation and answers 404', async () => {
    await start();
    expect((await call('GET', '/projects/1/merge_requests/4/comments')).status).toBe(404);
    expect(emulator.violations).toHaveLength(1);
    expect(emulator.violations[0]?.message).toContain('/api/v4/projects/1/merge_requests/4/comments');
  });
});

describe('GitLab emulator: commit comments', () => {
  it('posts and lists comments on a commit', async () => {
    await start();
    const created = await call('POST', `/projects/1/repository/commits/${SHA}/comments`, {
      note: 'gate passed',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ note: 'gate passed', author: { username: emulator.botUsername } });
    const listed = await call('GET', `/projects/group%2Fproject/repository/commits/${SHA}/comments`);
    expect(listed.json).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });
});

describe('GitLab emulator: generic packages', () => {
  const put = (path: string, content: string, auth: Auth = { 'JOB-TOKEN': 'job-token' }) =>
    fetch(`${emulator.apiUrl}${path}`, { method: 'PUT', headers: { ...auth }, body: content });

  it('lets the job token publish, list and download package files', async () => {
    await start();
    const published = await put(
      '/projects/1/packages/generic/mcp-store/1/blob-1?select=package_file',
      'hello',
    );
    expect(published.status).toBe(201);
    expect(await published.json()).toMatchObject({ file_name: 'blob-1', size: 5 });
    const plain = await put('/projects/1/packages/generic/mcp-store/1/blob-2', 'x');
    expect(await plain.json()).toEqual({ message: '201 Created' });
    const job = { 'JOB-TOKEN': 'job-token' } as const;
    const packages = await call(
      'GET',
      '/projects/1/packages?package_type=generic&package_name=mcp',
      undefined,
      job,
    );
    expect(packages.json).toEqual([
      expect.objectContaining({ name: 'mcp-store', version: '1', package_type: 'generic' }),
    ]);
    const files = await call(
      'GET',
      `/projects/1/packages/${packages.json[0].id}/package_files`,
      undefined,
      job,
    );
    expect(files.json.map((f: { file_name: string }) => f.file_name)).toEqual(['blob-1', 'blob-2']);
    const download = await fetch(`${emulator.apiUrl}/projects/1/packages/generic/mcp-store/1/blob-1`, {
      headers: { ...job, range: 'bytes=1-3' },
    });
    expect([download.status, await download.text()]).toEqual([206, 'ell']);
    expect(emulator.violations).toEqual([]);
  });

  it('records a version or file name GitLab refuses as a violation and answers 400', async () => {
    await start();
    const response = await put('/projects/1/packages/generic/mcp-store/v%201/blob', 'x');
    expect(response.status).toBe(400);
    expect(emulator.violations).toEqual([
      expect.objectContaining({ message: expect.stringContaining("path parameter 'package_version'") }),
    ]);
    expect(emulator.state.packages).toEqual([]);
  });

  it('refuses a duplicate file with 400 when duplicates are turned off', async () => {
    await start({ duplicates: 'reject' });
    expect((await put('/projects/1/packages/generic/mcp-store/1/blob', 'a')).status).toBe(201);
    const duplicate = await put('/projects/1/packages/generic/mcp-store/1/blob', 'a');
    expect([duplicate.status, await duplicate.json()]).toEqual([
      400,
      { message: 'Duplicate package is not allowed' },
    ]);
    expect(emulator.violations).toEqual([]);
  });
});
