#!/usr/bin/env node
// Builds the committed bundles (dist/<action>/index.js, dist/cli/index.js) with ncc, then the
// files derived from the action specs (<action>/action.yml, templates/<action>.yml).
// `--check` builds into a temp dir and fails when the committed files differ: CI runs it so
// that users never run code that no test saw.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

const entries = [
  ['cli', 'packages/cli/src/index.ts'],
  ...readdirSync(join(root, 'actions')).map((name) => [name, `actions/${name}/src/index.ts`]),
];

const out = check ? mkdtempSync(join(tmpdir(), 'mcp-dist-')) : join(root, 'dist');
for (const [name, entry] of entries) {
  const target = join(out, name);
  rmSync(target, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      join(root, entry),
      '-o',
      target,
      '--target',
      'es2022',
      '--license',
      'licenses.txt',
      '--quiet',
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}
cpSync(join(root, 'scripts', 'dist-package.json'), join(out, 'package.json'));

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

if (check) {
  const committed = join(root, 'dist');
  const built = new Set(files(out).map((f) => relative(out, f)));
  const have = new Set(files(committed).map((f) => relative(committed, f)));
  const stale = [...new Set([...built, ...have])].filter(
    (f) =>
      !built.has(f) || !have.has(f) || !readFileSync(join(out, f)).equals(readFileSync(join(committed, f))),
  );
  rmSync(out, { recursive: true, force: true });
  let metadata = 0;
  try {
    execFileSync(process.execPath, [join(committed, 'cli', 'index.js'), 'dev:metadata', '--check'], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch {
    metadata = 1;
  }
  if (stale.length) {
    console.error(`dist/ is stale (run npm run build and commit): ${stale.sort().join(', ')}`);
  }
  process.exit(stale.length || metadata ? 1 : 0);
}
execFileSync(process.execPath, [join(root, 'dist', 'cli', 'index.js'), 'dev:metadata', '--write'], {
  cwd: root,
  stdio: 'inherit',
});
