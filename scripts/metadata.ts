import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { actions, renderActionYml, renderGitLabTemplate, updateReadme, writeFileAtomic } from '@mcp/core';

/**
 * Build-time only (`scripts/build.mjs` bundles and runs it): action.yml, the GitLab components
 * and the README's input tables are derived from the action specs; `--write` writes them,
 * `--check` fails when a committed one differs.
 */
async function main(args: string[]): Promise<number> {
  const check = args.includes('--check');
  const root = args.find((a) => !a.startsWith('--')) ?? process.cwd();
  const read = (path: string) => readFile(join(root, path), 'utf8').catch(() => undefined);
  const wanted = new Map<string, string>();
  let readme = (await read('README.md')) ?? '';
  for (const action of Object.values(actions)) {
    wanted.set(join(action.spec.name, 'action.yml'), renderActionYml(action.spec));
    wanted.set(join('templates', `${action.spec.name}.yml`), renderGitLabTemplate(action.spec));
    readme = updateReadme(readme, action.spec);
  }
  if (readme) wanted.set('README.md', readme);
  const stale: string[] = [];
  for (const [path, content] of wanted) {
    if ((await read(path)) === content) continue;
    if (check) stale.push(path);
    else await writeFileAtomic(join(root, path), content);
  }
  if (stale.length) {
    process.stderr.write(`stale generated files (run npm run build and commit): ${stale.join(', ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
