import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { noise } from './test-data';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const storeIndex = fileURLToPath(new URL('./index.ts', import.meta.url));

describe('inside an ncc bundle, as the actions run', () => {
  it('hashes on worker threads and round-trips a file through a store', () => {
    const dir = tempDir();
    const file = join(dir, 'data.bin');
    writeFileSync(file, noise(3 << 20, 77));
    writeFileSync(
      join(dir, 'entry.js'),
      `import { ContentStore, LocalDirectoryBackend, WorkerPool, hashFiles } from '${relative(dir, storeIndex)}';
const [file, out] = process.argv.slice(2);
const pool = new WorkerPool(2);
const [digest] = await hashFiles([file], { pool });
const store = new ContentStore({ backend: new LocalDirectoryBackend(out + '/store'), cacheDir: out + '/cache', pool,
  chunking: { min: 65536, avg: 262144, max: 1048576 } });
const { files } = await store.addFiles([{ path: 'data.bin', absolutePath: file }]);
const read = await store.readFile(files[0], out + '/copy/data.bin');
await pool.close();
console.log(JSON.stringify({ sha256: digest.sha256, chunks: files[0].chunks.length, read }));
`,
    );
    // --transpile-only: tsc checks types separately; this is about how the code is packaged.
    execFileSync(
      process.execPath,
      [ncc, 'build', join(dir, 'entry.js'), '-o', join(dir, 'dist'), '--transpile-only', '--quiet'],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const output = JSON.parse(
      execFileSync(process.execPath, [join(dir, 'dist', 'index.js'), file, dir], { encoding: 'utf8' }),
    );
    const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).slice(0, 64);
    expect(output.sha256).toBe(expected);
    expect(output.chunks).toBeGreaterThan(3);
    expect(output.read).toEqual({ written: true, bytesDownloaded: 3 << 20, bytesReused: 0 });
    expect(
      execFileSync('sha256sum', [join(dir, 'copy', 'data.bin')], { encoding: 'utf8' }).slice(0, 64),
    ).toBe(expected);
  });
});
