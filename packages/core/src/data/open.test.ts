import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { repoWithRemote } from '../../../../test/helpers/git';
import { LocalPlatform } from '../platform';
import { openMeta } from './open';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

it('openMeta: a record holding a value the platform masked is refused, even one masked after opening', async () => {
  const { root, work } = repoWithRemote({ 'README.md': 'x\n' });
  roots.push(root);
  const platform = await LocalPlatform.create({ env: {}, cwd: work, log: () => {} });
  const meta = openMeta(platform);
  platform.mask('hunter2-database-password');
  const write = (value: string) =>
    meta.transact(async () => ({ message: 'record', files: { 'runs/x/1.json': `{"note":"${value}"}\n` } }));
  await expect(write('connect with hunter2-database-password')).rejects.toThrow('runs/x/1.json');
  expect((await write('nothing secret here')).written).toEqual(['runs/x/1.json']);
});
