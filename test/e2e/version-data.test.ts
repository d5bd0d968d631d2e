// The CLI bundle versioning and pulling a dataset as a user would: real files, real git with a
// bare remote, the local content store.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote } from '../helpers/git';
import { runNode } from '../helpers/run';

const mcp = (cwd: string, ...args: string[]) => runNode('dist/cli/index.js', args, { cwd, env: {} });

function checkout(files: Record<string, string>) {
  const { origin, work } = repoWithRemote(files);
  return { origin, work };
}

describe('mcp version-data / pull-data (CLI bundle, local platform)', () => {
  it('versions a CSV, records the append as v2 with its rows, and pulls v1 back byte for byte', async () => {
    const v1 = 'id,label\n1,cat\n2,dog\n';
    const { origin, work } = checkout({ 'data/train.csv': v1, 'data/notes.txt': 'hello\n' });

    const first = await mcp(work, 'version-data', '--path', 'data/*.csv', '--name', 'train', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ name: 'train', version: '1', changed: 'true' });
    expect(first.stderr).toContain('train v1 recorded');

    const unchanged = await mcp(work, 'version-data', '--path', 'data/*.csv', '--name', 'train', '--json');
    expect(JSON.parse(unchanged.stdout)).toMatchObject({
      version: '1',
      changed: 'false',
      'bytes-uploaded': '0',
    });

    appendFileSync(join(work, 'data/train.csv'), '3,cat\n4,cat\n');
    const second = await mcp(work, 'version-data', '--path', 'data/*.csv', '--name', 'train', '--json');
    const outputs = JSON.parse(second.stdout);
    expect(outputs).toMatchObject({ version: '2', changed: 'true' });
    expect(JSON.parse(outputs.diff)).toMatchObject({ modified: ['train.csv'], rowsAdded: 2, bytesAdded: 12 });
    expect(git(origin, 'ls-tree', '--name-only', 'mcp-meta:data/train')).toBe('v1.json\nv2.json');

    const pulled = await mcp(
      work,
      'pull-data',
      '--name',
      'train',
      '--version',
      '1',
      '--path',
      'v1',
      '--json',
    );
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ version: '1', path: 'v1' });
    expect(readFileSync(join(work, 'v1/train.csv'), 'utf8')).toBe(v1);
  }, 60_000);

  it('exits 2 with one line for a bad input', async () => {
    const { work } = checkout({ 'data/a.csv': 'x\n1\n' });
    expect((await mcp(work, 'version-data', '--path', 'data/a.csv')).code).toBe(0);
    const run = await mcp(work, 'pull-data', '--name', 'a', '--version', 'yesterday');
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'error: version: "yesterday" is not latest, a version number or a digest',
    ]);
  }, 60_000);
});
