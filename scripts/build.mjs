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
// `--only cli,train`: build just these bundles and replace only their dist/ folders (for working on
// one action while others are being edited); the committed dist/ is always built whole.
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1]?.split(',')) : undefined;
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

const entries = [
  ['cli', 'packages/cli/src/index.ts'],
  ...readdirSync(join(root, 'actions')).map((name) => [name, `actions/${name}/src/index.ts`]),
].filter(([name]) => !only || only.has(name));

// Types are checked by `tsc` in npm test; ncc only transpiles. Bundles are built aside and
// moved into dist/ only when all of them built, so a failed build leaves dist/ as it was.
const out = mkdtempSync(join(tmpdir(), 'mcp-dist-'));
const nccFlags = ['--target', 'es2022', '--license', 'licenses.txt', '--transpile-only', '--quiet'];
for (const [name, entry] of entries) {
  execFileSync(process.execPath, [ncc, 'build', join(root, entry), '-o', join(out, name), ...nccFlags], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
cpSync(join(root, 'scripts', 'dist-package.json'), join(out, 'package.json'));
if (only && !check) {
  for (const [name] of entries) {
    rmSync(join(root, 'dist', name), { recursive: true, force: true });
    cpSync(join(out, name), join(root, 'dist', name), { recursive: true });
  }
  rmSync(out, { recursive: true, force: true });
} else if (!check) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  cpSync(out, join(root, 'dist'), { recursive: true });
  rmSync(out, { recursive: true, force: true });
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// The generator of action.yml, templates/ and the README tables: bundled for the build only.
const generator = mkdtempSync(join(tmpdir(), 'mcp-metadata-'));
execFileSync(
  process.execPath,
  [ncc, 'build', join(root, 'scripts', 'metadata.ts'), '-o', generator, '--transpile-only', '--quiet'],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const metadata = (mode) => {
  try {
    execFileSync(process.execPath, [join(generator, 'index.js'), mode, root], {
      cwd: root,
      stdio: 'inherit',
    });
    return 0;
  } catch {
    return 1;
  } finally {
    if (mode === '--write' || check) rmSync(generator, { recursive: true, force: true });
  }
};

if (check) {
  const committed = join(root, 'dist');
  const built = new Set(files(out).map((f) => relative(out, f)));
  const have = new Set(files(committed).map((f) => relative(committed, f)));
  const stale = [...new Set([...built, ...have])].filter(
    (f) =>
      !built.has(f) || !have.has(f) || !readFileSync(join(out, f)).equals(readFileSync(join(committed, f))),
  );
  rmSync(out, { recursive: true, force: true });
  const generated = metadata('--check');
  if (stale.length) {
    console.error(`dist/ is stale (run npm run build and commit): ${stale.sort().join(', ')}`);
  }
  process.exit(stale.length || generated ? 1 : 0);
}
process.exit(metadata('--write'));
