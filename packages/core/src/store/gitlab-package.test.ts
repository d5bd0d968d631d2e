import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitLabEmulator,
  type GitLabEmulatorOptions,
  startGitLabEmulator,
} from '../../../../test/emulators/gitlab';
import { MissingObject } from './backend';
import { GitLabPackageBackend, type GitLabPackageBackendOptions } from './gitlab-package';

const MiB = 1024 * 1024;
const UPLOAD = 'putApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName';
const DOWNLOAD = 'getApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName';
let emulator: GitLabEmulator;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-gitlab-package-'));
});

afterEach(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: GitLabEmulatorOptions = {}) {
  emulator = await startGitLabEmulator(options);
  return emulator;
}

const backend = (options: Partial<GitLabPackageBackendOptions> = {}) =>
  new GitLabPackageBackend({
    token: 'job-token',
    tokenKind: 'job',
    project: 1,
    apiUrl: emulator.apiUrl,
    retryBaseMs: 1,
    ...options,
  });

async function file(name: string, bytes: Buffer) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const calls = (operationId: string) => emulator.requests.filter((r) => r.operationId === operationId);
const traffic = () => emulator.requests.map((r) => `${r.method} ${r.status}`);

describe('GitLabPackageBackend', () => {
  it('puts, lists, gets whole and in ranges, and deletes multi-MiB objects with the job token', async () => {
    await start();
    const pack = randomBytes(6 * MiB + 7);
    const index = randomBytes(2 * MiB);
    const store = backend();
    await store.put('pack-1.pack', await file('pack', pack), pack.length);
    await store.put('pack-1.idx', await file('idx', index), index.length);

    expect(emulator.state.packages).toEqual([expect.objectContaining({ name: 'mcp-store', version: '1' })]);
    expect(
      calls(UPLOAD).map((r) => [r.url, r.headers['job-token'], r.headers['content-length'], r.status]),
    ).toEqual([
      [
        '/api/v4/projects/1/packages/generic/mcp-store/1/pack-1.pack?select=package_file',
        'job-token',
        String(pack.length),
        201,
      ],
      [
        '/api/v4/projects/1/packages/generic/mcp-store/1/pack-1.idx?select=package_file',
        'job-token',
        String(index.length),
        201,
      ],
    ]);
    expect(await store.list()).toEqual([
      { name: 'pack-1.idx', size: index.length },
      { name: 'pack-1.pack', size: pack.length },
    ]);

    expect((await buffer(await store.get('pack-1.pack'))).equals(pack)).toBe(true);
    const range = { start: 5 * MiB, end: 6 * MiB + 6 };
    expect((await buffer(await store.get('pack-1.pack', range))).equals(pack.subarray(range.start))).toBe(
      true,
    );
    const first = await buffer(await store.get('pack-1.idx', { start: 0, end: 99 }));
    expect(first.equals(index.subarray(0, 100))).toBe(true);
    expect(calls(DOWNLOAD).map((r) => [r.status, r.headers.range])).toEqual([
      [200, undefined],
      [206, `bytes=${range.start}-${range.end}`],
      [206, 'bytes=0-99'],
    ]);

    await store.delete('pack-1.pack');
    expect(await store.list()).toEqual([{ name: 'pack-1.idx', size: index.length }]);
    await expect(store.get('pack-1.pack')).rejects.toBeInstanceOf(MissingObject);
    await store.delete('pack-1.pack');
    expect(emulator.violations).toEqual([]);
  });

  it('works with a project access token and the project named by its path', async () => {
    await start({ projects: [{ id: 42, path: 'ml-team/models' }] });
    const store = backend({ token: 'project-token', tokenKind: 'private', project: 'ml-team/models' });
    await store.put('blob-1', await file('blob', Buffer.from('hello')), 5);
    expect((await buffer(await store.get('blob-1'))).toString()).toBe('hello');
    expect(emulator.requests.every((r) => r.headers['private-token'] === 'project-token')).toBe(true);
    expect(emulator.requests.every((r) => r.url.startsWith('/api/v4/projects/ml-team%2Fmodels/'))).toBe(true);
    expect(store.description).toBe('generic package mcp-store 1 of project ml-team/models');
    expect(emulator.violations).toEqual([]);
  });

  it('makes a put of an existing object a no-op, in the same backend and in a later one', async () => {
    await start();
    const path = await file('blob', randomBytes(10_000));
    await backend().put('blob-1', path, 10_000);
    const again = backend();
    await again.put('blob-1', path, 10_000);
    await again.put('blob-1', path, 10_000);
    expect(calls(UPLOAD)).toHaveLength(1);
    expect(emulator.state.packageFiles).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('lists every file of a package holding more than 100, and only that package', async () => {
    const files = Array.from({ length: 230 }, (_, i) => ({
      name: `chunk-${String(i).padStart(3, '0')}`,
      content: `c${i}`,
    }));
    await start({
      packages: [
        { name: 'mcp-store-old', version: '1', files: [{ name: 'stale', content: 'x' }] },
        { name: 'mcp-store', version: '2', files: [{ name: 'other-version', content: 'x' }] },
        { name: 'mcp-store', version: '1', files },
      ],
    });
    const listed = await backend().list();
    expect(listed).toHaveLength(230);
    expect(listed.at(-1)).toEqual({ name: 'chunk-229', size: 4 });
    const pages = calls('getApiV4ProjectsIdPackagesPackageIdPackageFiles').map((r) =>
      new URL(r.url, emulator.url).searchParams.get('page'),
    );
    expect(pages).toEqual([null, '2', '3']);
    expect(emulator.violations).toEqual([]);
  });

  it('uploads one at a time into a new package, as GitLab asks, even when puts come together', async () => {
    await start();
    const store = backend();
    const blobs = await Promise.all(
      [1, 2, 3, 4].map(async (i) => [`blob-${i}`, await file(`b${i}`, randomBytes(MiB))] as const),
    );
    await Promise.all(blobs.map(([name, path]) => store.put(name, path, MiB)));
    expect(calls(UPLOAD).map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(emulator.state.packages).toHaveLength(1);
    expect(await store.list()).toHaveLength(4);
    expect(emulator.violations).toEqual([]);
  });

  it('retries the upload that lost the race of two jobs creating the package', async () => {
    await start();
    const [a, b] = [randomBytes(3 * MiB), randomBytes(3 * MiB)];
    const [pathA, pathB] = [await file('a', a), await file('b', b)];
    const [first, second] = [backend(), backend()];
    // Both look first and find no package; then both upload at once.
    await Promise.all([first.list(), second.list()]);
    await Promise.all([first.put('blob-a', pathA, a.length), second.put('blob-b', pathB, b.length)]);
    expect(
      calls(UPLOAD)
        .map((r) => r.status)
        .sort(),
    ).toEqual([201, 201, 500]);
    expect(emulator.state.packages).toHaveLength(1);
    expect((await backend().list()).map((o) => o.name)).toEqual(['blob-a', 'blob-b']);
    expect(emulator.violations).toEqual([]);
  });

  it('takes a duplicate refused by a project that turned duplicates off as done', async () => {
    await start({ duplicates: 'reject' });
    const path = await file('blob', Buffer.from('same'));
    const slow = backend();
    expect(await slow.list()).toEqual([]);
    await backend().put('blob-1', path, 4);
    await slow.put('blob-1', path, 4);
    expect(calls(UPLOAD).map((r) => r.status)).toEqual([201, 400]);
    expect(await slow.list()).toEqual([{ name: 'blob-1', size: 4 }]);
    expect(emulator.violations).toEqual([]);
  });

  it('lists a duplicated file once, reads the latest and deletes every copy', async () => {
    await start({
      packages: [
        {
          name: 'mcp-store',
          version: '1',
          files: [
            { name: 'blob-1', content: 'first' },
            { name: 'blob-1', content: 'second' },
          ],
        },
      ],
    });
    const store = backend();
    expect(await store.list()).toEqual([{ name: 'blob-1', size: 6 }]);
    expect((await buffer(await store.get('blob-1'))).toString()).toBe('second');
    await store.delete('blob-1');
    expect(emulator.state.packageFiles).toEqual([]);
    await expect(store.get('blob-1')).rejects.toBeInstanceOf(MissingObject);
    expect(emulator.violations).toEqual([]);
  });

  it('retries server errors and 429 with backoff, on listing, uploading and downloading', async () => {
    await start({ faults: { serverErrors: [502, 429] } });
    const store = backend();
    expect(await store.list()).toEqual([]);
    emulator.faults.serverErrors.push(500);
    await store.put('blob-1', await file('blob', Buffer.from('retried')), 7);
    emulator.faults.serverErrors.push(503);
    expect((await buffer(await store.get('blob-1'))).toString()).toBe('retried');
    expect(traffic()).toEqual(['GET 502', 'GET 429', 'GET 200', 'PUT 500', 'PUT 201', 'GET 503', 'GET 200']);
    expect(emulator.state.packageFiles).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('gives up after the configured retries with the status in the error', async () => {
    await start({ faults: { serverErrors: [500, 500, 500] } });
    await expect(backend({ retries: 2 }).list()).rejects.toThrow(
      'GitLab answered 500 to listing generic package mcp-store 1 of project 1: 500 Internal Server Error',
    );
  });

  it('throws MissingObject for an object that is not there', async () => {
    await start();
    await expect(backend().get('pack-0.pack')).rejects.toBeInstanceOf(MissingObject);
    await expect(backend().get('pack-0.pack', { start: 5, end: 9 })).rejects.toThrow(
      'pack-0.pack is not in generic package mcp-store 1 of project 1',
    );
    expect(emulator.violations).toEqual([]);
  });

  it('yields exactly the range when GitLab answers 200 with the whole file', async () => {
    await start({ faults: { ignoreRange: true } });
    const bytes = randomBytes(3 * MiB);
    const store = backend();
    await store.put('pack-2.pack', await file('pack', bytes), bytes.length);
    const range = { start: MiB + 1, end: 2 * MiB + 17 };
    const got = await buffer(await store.get('pack-2.pack', range));
    expect(got.equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
    expect(calls(DOWNLOAD).map((r) => r.status)).toEqual([200]);
    expect(emulator.violations).toEqual([]);
  });

  it('refuses a package version GitLab would refuse, and names that are not object names', async () => {
    await start();
    expect(() => backend({ packageVersion: 'v 1' })).toThrow('not a generic package version: v 1');
    expect(() => backend({ packageName: 'mcp/store' })).toThrow('not a generic package name');
    await expect(backend().put('../x', await file('x', Buffer.from('x')), 1)).rejects.toThrow(
      'not an object name',
    );
    expect(emulator.requests).toEqual([]);
  });
});
