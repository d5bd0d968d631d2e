#!/usr/bin/env node
// Rollback speed: time from `rollback()` starting to the router confirming 100% on the target
// version (mcp-meta read, environment lock, provider call, records written), beside a bare
// `curl` POST of the same change to the router (the provider's own time). Real processes on
// 127.0.0.1: two model servers, the weighted router, a git repository with a bare remote.
// Figures, not assertions: `node bench/rollback.mjs` (ROLLBACK_RUNS, default 5).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../test/fixtures/canary/stack.mjs';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.ROLLBACK_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-rollback-'));

// The core is TypeScript: bundle its deploy module once, as the actions' bundles do.
const { build } = await import('vite');
await build({
  configFile: false,
  logLevel: 'silent',
  root,
  ssr: { noExternal: true },
  build: {
    ssr: join(root, 'packages', 'core', 'src', 'deploy', 'index.ts'),
    outDir: join(dir, 'lib'),
    target: 'node20',
    minify: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'deploy.mjs' } },
  },
});
await build({
  configFile: false,
  logLevel: 'silent',
  root,
  ssr: { noExternal: true },
  build: {
    ssr: join(root, 'packages', 'core', 'src', 'meta', 'index.ts'),
    outDir: join(dir, 'lib'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'meta.mjs' } },
  },
});
const deploy = await import(join(dir, 'lib', 'deploy.mjs'));
const { MetaBranch } = await import(join(dir, 'lib', 'meta.mjs'));

const git = (cwd, ...args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const work = join(dir, 'work');
const origin = join(dir, 'origin.git');
git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
git(dir, 'init', '-q', '-b', 'main', work);
git(work, '-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '-q', '--allow-empty', '-m', 'base');
git(work, 'remote', 'add', 'origin', origin);

const stack = await startStack({ v1: [], v2: [] }, 'v1');
const traffic = async () => (await fetch(`${stack.router}/admin/traffic`)).json();
const context = {
  meta: new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } }),
  audit: { actor: 'bench', commit: null, runUrl: null },
  cwd: work,
  env: process.env,
};
const provider = deploy.createProvider(
  {
    type: 'http',
    url: `${stack.router}/admin/traffic`,
    body: deploy.DEFAULT_HTTP_BODY,
    headerNames: [],
    timeoutMs: 5000,
  },
  { cwd: work, env: process.env },
);
const noAnalysis = deploy.parseSteps('100', {
  intervalMs: 1000,
  count: 0,
  success: [],
  failure: [],
  failureLimit: 0,
  inconclusiveLimit: 0,
});

const ours = [];
const bare = [];
try {
  for (let i = 0; i < runs; i++) {
    // v2 promoted (a canary straight to 100%), so that a rollback has v1 to return to.
    await deploy.deployCanary(
      {
        environment: 'production',
        model: 'fraud',
        version: 'v2',
        stableVersion: 'v1',
        steps: noAnalysis,
        provider,
      },
      context,
    );
    let started = performance.now();
    await deploy.rollback({ environment: 'production', provider }, context);
    const state = await traffic();
    ours.push(performance.now() - started);
    if (state.canary !== 'v1' || state.weight !== 100)
      throw new Error(`router not on v1: ${JSON.stringify(state)}`);

    started = performance.now();
    execFileSync('curl', [
      '-fsS',
      '-o',
      '/dev/null',
      '-X',
      'POST',
      '-d',
      '{"version":"v1","stable_version":"v2","weight":100}',
      `${stack.router}/admin/traffic`,
    ]);
    bare.push(performance.now() - started);
  }
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.table([
  {
    benchmark: 'rollback to the previous version, router confirmed',
    'mcp ms (median)': median(ours).toFixed(0),
    'mcp ms (max)': Math.max(...ours).toFixed(0),
    reference: 'curl POST to the router',
    'ref ms (median)': median(bare).toFixed(0),
    'overhead ms': (median(ours) - median(bare)).toFixed(0),
  },
]);
