import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  startGitHubEmulator,
} from '../../../../test/emulators/github';
import { createGitHubClient, type GitHubClientOptions } from '../platform/github-client';
import { MissingObject } from './backend';
import { GitHubReleaseBackend } from './github-release';

const MiB = 1024 * 1024;
let emulator: GitHubEmulator;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-github-release-'));
});

afterEach(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: GitHubEmulatorOptions = {}) {
  emulator = await startGitHubEmulator(options);
  return emulator;
}

// The client as the GitHub platform builds it (retries, throttling), its waits scaled down.
const backend = (options: Partial<GitHubClientOptions> = {}) =>
  new GitHubReleaseBackend({
    client: createGitHubClient({
      token: 'test-token',
      apiUrl: emulator.url,
      retryBaseMs: 1,
      writeIntervalMs: 0,
      ...options,
    }),
    repository: 'octo/models',
    retryBaseMs: 1,
    log: options.log,
  });

async function file(name: string, bytes: Buffer) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const calls = (operationId: string) => emulator.requests.filter((r) => r.operationId === operationId);
const downloads = () => emulator.requests.filter((r) => r.url.startsWith('/_release-assets/'));
const storageReleases = () => emulator.state.releases.filter((r) => r.tagName === 'mcp-store');

describe('GitHubReleaseBackend', () => {
  it('puts, lists, gets whole and in ranges, and deletes multi-MiB objects on a draft storage release', async () => {
    await start();
    const pack = randomBytes(5 * MiB + 123);
    const index = randomBytes(3 * MiB);
    const store = backend();
    await store.put('pack-1.pack', await file('pack', pack), pack.length);
    await store.put('pack-1.idx', await file('idx', index), index.length);

    expect(storageReleases()).toEqual([expect.objectContaining({ draft: true, name: 'mcp-store' })]);
    // Octokit expands `{?name,label}` without a label to `?name=…&`, which GitHub takes.
    const uploads = calls('repos/upload-release-asset');
    expect(uploads.map((r) => [r.url, r.headers['content-type'], r.headers['content-length']])).toEqual([
      [
        expect.stringMatching(/^\/uploads\/repos\/octo\/models\/releases\/\d+\/assets\?name=pack-1\.pack&?$/),
        'application/octet-stream',
        String(pack.length),
      ],
      [expect.stringMatching(/\?name=pack-1\.idx&?$/), 'application/octet-stream', String(index.length)],
    ]);
    expect(await store.list()).toEqual([
      { name: 'pack-1.idx', size: index.length },
      { name: 'pack-1.pack', size: pack.length },
    ]);

    expect((await buffer(await store.get('pack-1.pack'))).equals(pack)).toBe(true);
    const middle = await buffer(await store.get('pack-1.pack', { start: MiB, end: 4 * MiB + 9 }));
    expect(middle.equals(pack.subarray(MiB, 4 * MiB + 10))).toBe(true);
    const last = await buffer(
      await store.get('pack-1.pack', { start: pack.length - 1, end: pack.length - 1 }),
    );
    expect([...last]).toEqual([pack.at(-1)]);
    // The API redirected each download; the download host answered ranges with 206.
    expect(calls('repos/get-release-asset').map((r) => r.status)).toEqual([302, 302, 302]);
    expect(downloads().map((r) => [r.status, r.headers.range])).toEqual([
      [200, undefined],
      [206, `bytes=${MiB}-${4 * MiB + 9}`],
      [206, `bytes=${pack.length - 1}-${pack.length - 1}`],
    ]);

    await store.delete('pack-1.pack');
    expect(await store.list()).toEqual([{ name: 'pack-1.idx', size: index.length }]);
    await expect(store.get('pack-1.pack')).rejects.toBeInstanceOf(MissingObject);
    await store.delete('pack-1.pack');
    expect(emulator.violations).toEqual([]);
  });

  it('makes a put of an existing object a no-op, in the same backend and in a later one', async () => {
    await start();
    const bytes = randomBytes(64 * 1024);
    const path = await file('blob', bytes);
    await backend().put('blob-1', path, bytes.length);
    const again = backend();
    await again.put('blob-1', path, bytes.length);
    await again.put('blob-1', path, bytes.length);
    expect(calls('repos/upload-release-asset')).toHaveLength(1);
    expect(calls('repos/create-release')).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('lists every asset of a release holding more than 100, page after page', async () => {
    const assets = Array.from({ length: 250 }, (_, i) => ({
      name: `chunk-${String(i).padStart(3, '0')}`,
      content: `c${i}`,
    }));
    await start({ releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true, assets }] });
    const store = backend();
    const listed = await store.list();
    expect(listed).toHaveLength(250);
    expect(listed[249]).toEqual({ name: 'chunk-249', size: 4 });
    expect(
      calls('repos/list-release-assets').map((r) => new URL(r.url, emulator.url).searchParams.get('page')),
    ).toEqual([null, '2', '3']);
    expect((await buffer(await store.get('chunk-201'))).toString()).toBe('c201');
    expect(calls('repos/create-release')).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });

  it('ends with one storage release when two jobs create it at the same time', async () => {
    await start({ releases: [{ repo: 'octo/models', tagName: 'model@v1.0.0' }] });
    const [a, b] = [randomBytes(1000), randomBytes(2000)];
    const first = backend();
    const second = backend();
    await Promise.all([
      first.put('blob-a', await file('a', a), a.length),
      second.put('blob-b', await file('b', b), b.length),
    ]);
    // Both found none and both created a draft; the later one was removed before any upload.
    expect(calls('repos/create-release')).toHaveLength(2);
    expect(calls('repos/delete-release')).toHaveLength(1);
    expect(storageReleases()).toHaveLength(1);
    expect(await backend().list()).toEqual([
      { name: 'blob-a', size: 1000 },
      { name: 'blob-b', size: 2000 },
    ]);
    expect(emulator.violations).toEqual([]);
  });

  it.each(['bad-gateway', 'hang-up'] as const)(
    'deletes the starter asset an upload failed half-way (%s) left, and uploads again',
    async (how) => {
      await start({ releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true }] });
      emulator.faults.failUploads.push(how);
      const logged: string[] = [];
      const bytes = randomBytes(2 * MiB);
      const store = backend({ log: (message) => logged.push(message) });
      await store.put('pack-2.pack', await file('pack', bytes), bytes.length);

      const traffic = emulator.requests.map((r) => `${r.operationId} ${r.status}`);
      expect(traffic).toEqual([
        'repos/list-releases 200',
        'repos/list-release-assets 200',
        `repos/upload-release-asset ${how === 'hang-up' ? 0 : 502}`,
        'repos/list-release-assets 200',
        'repos/delete-release-asset 204',
        'repos/upload-release-asset 201',
      ]);
      expect(logged).toEqual([expect.stringContaining('a failed upload left it starter')]);
      expect(emulator.state.assets.map((a) => [a.name, a.state])).toEqual([['pack-2.pack', 'uploaded']]);
      expect((await buffer(await store.get('pack-2.pack'))).equals(bytes)).toBe(true);
      expect(emulator.violations).toEqual([]);
    },
  );

  it('replaces a starter asset an earlier job left behind', async () => {
    await start({
      releases: [
        {
          repo: 'octo/models',
          tagName: 'mcp-store',
          draft: true,
          assets: [{ name: 'blob-1', content: '', state: 'starter' }],
        },
      ],
    });
    const store = backend();
    expect(await store.list()).toEqual([]);
    await expect(store.get('blob-1')).rejects.toBeInstanceOf(MissingObject);
    await store.put('blob-1', await file('blob', Buffer.from('content')), 7);
    expect(await store.list()).toEqual([{ name: 'blob-1', size: 7 }]);
    expect(calls('repos/delete-release-asset')).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });

  it('waits out a secondary rate limit (403 with retry-after) and succeeds', async () => {
    await start({ releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true }] });
    emulator.faults.secondaryRateLimits.push(2, 2);
    const logged: string[] = [];
    const store = backend({ log: (message) => logged.push(message) });
    await store.put('blob-1', await file('blob', Buffer.from('rate')), 4);
    expect(calls('repos/upload-release-asset').map((r) => r.status)).toEqual([403, 403, 201]);
    expect(logged).toEqual([
      expect.stringMatching(/^GitHub's secondary rate limit: POST .* again in 2 s$/),
      expect.stringMatching(/^GitHub's secondary rate limit: POST .* again in 2 s$/),
    ]);
    expect(await store.list()).toEqual([{ name: 'blob-1', size: 4 }]);
    expect(emulator.violations).toEqual([]);
  });

  it('retries server errors with backoff, on listing and on downloading', async () => {
    await start({
      releases: [
        {
          repo: 'octo/models',
          tagName: 'mcp-store',
          draft: true,
          assets: [{ name: 'blob-1', content: 'hello' }],
        },
      ],
    });
    emulator.faults.serverErrors.push(502, 500);
    const store = backend();
    expect(await store.list()).toEqual([{ name: 'blob-1', size: 5 }]);
    emulator.faults.serverErrors.push(503);
    expect((await buffer(await store.get('blob-1'))).toString()).toBe('hello');
    expect(emulator.requests.map((r) => `${r.operationId} ${r.status}`)).toEqual([
      'repos/list-releases 502',
      'repos/list-releases 500',
      'repos/list-releases 200',
      'repos/list-release-assets 200',
      'repos/get-release-asset 503',
      'repos/get-release-asset 302',
      'undefined 200',
    ]);
    expect(emulator.violations).toEqual([]);
  });

  it('spaces content-creating requests writeIntervalMs apart', async () => {
    await start({ releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true }] });
    const store = backend({ writeIntervalMs: 200 });
    const path = await file('blob', Buffer.from('x'));
    await Promise.all(['blob-1', 'blob-2', 'blob-3'].map((name) => store.put(name, path, 1)));
    const at = calls('repos/upload-release-asset').map((r) => r.at);
    expect(at).toHaveLength(3);
    // The gate spaces the starts; each request then takes its own time to arrive, more on a busy machine.
    expect(at.slice(1).map((t, i) => t - (at[i] ?? 0))).toEqual([
      expect.toSatisfy((gap: number) => gap >= 120),
      expect.toSatisfy((gap: number) => gap >= 120),
    ]);
    expect(await store.list()).toHaveLength(3);
  });

  it('gives up after the configured rate-limit retries with the 403', async () => {
    await start({ releases: [{ repo: 'octo/models', tagName: 'mcp-store', draft: true }] });
    emulator.faults.secondaryRateLimits.push(1, 1, 1);
    const store = backend({ rateLimitRetries: 2 });
    await expect(store.put('blob-1', await file('blob', Buffer.from('x')), 1)).rejects.toMatchObject({
      status: 403,
    });
    expect(emulator.state.assets).toEqual([]);
  });

  it('throws MissingObject for an object that is not there', async () => {
    await start();
    const store = backend();
    await expect(store.get('pack-0.pack')).rejects.toBeInstanceOf(MissingObject);
    await expect(store.get('pack-0.pack', { start: 0, end: 9 })).rejects.toThrow(
      'pack-0.pack is not in release mcp-store of octo/models',
    );
  });

  it('yields exactly the range when the download host answers 200 with the whole object', async () => {
    await start();
    emulator.faults.ignoreRange = true;
    const bytes = randomBytes(4 * MiB);
    const store = backend();
    await store.put('pack-3.pack', await file('pack', bytes), bytes.length);
    const range = { start: 3 * MiB - 5, end: 3 * MiB + 70_000 };
    const got = await buffer(await store.get('pack-3.pack', range));
    expect(got.equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
    const head = await buffer(await store.get('pack-3.pack', { start: 0, end: 0 }));
    expect([...head]).toEqual([bytes[0]]);
    expect(downloads().map((r) => r.status)).toEqual([200, 200]);
    expect(emulator.violations).toEqual([]);
  });

  it('refuses names that are not object names and objects of 2 GiB or more', async () => {
    await start();
    const store = backend();
    const path = await file('x', Buffer.from('x'));
    await expect(store.put('../escape', path, 1)).rejects.toThrow('not an object name');
    await expect(store.put('huge.pack', path, 2 ** 31)).rejects.toThrow('under 2 GiB');
    expect(emulator.requests).toEqual([]);
  });
});
