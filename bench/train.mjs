#!/usr/bin/env node
// Benchmarks of the train action's committed bundle, each beside a reference, printed as ratios.
// Figures, not assertions.
//   1. overhead around a no-op command: bundle start to record pushed (`true`, cache off),
//      against `sh -c true`
//   2. a cache hit restoring 100 MiB of outputs, against `cp -r` of the same files
//   3. concurrent appends to mcp-meta on a local bare remote: 16 writers (MetaBranch +
//      audit, as every action writes), and 16 whole train jobs at once
// Run: node bench/train.mjs   Smaller: BENCH_TRAIN_MIB=20 BENCH_TRAIN_JOBS=8 node bench/train.mjs
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist', 'train', 'index.js');
const outputMiB = Number(process.env.BENCH_TRAIN_MIB ?? 100);
const jobs = Number(process.env.BENCH_TRAIN_JOBS ?? 16);
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-train-'));
const store = `local:${join(dir, 'store')}`;
// The command's PATH: node and the system's tools (a pyenv shim would time itself, not us).
const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

const git = (cwd, ...args) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    },
  }).trim();

function repo(name) {
  const origin = join(dir, `${name}.git`);
  const work = join(dir, name);
  git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
  git(dir, 'init', '-q', '-b', 'main', work);
  writeFileSync(join(work, '.gitignore'), '.mcp/\nout/\n');
  writeFileSync(join(work, 'train.sh'), 'echo training\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'code');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '-q', 'origin', 'main');
  return { origin, work };
}

/** The runner's environment for one train step. */
function runnerEnv(work, inputs) {
  const env = { PATH, HOME: process.env.HOME ?? '', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: work };
  env.GITHUB_OUTPUT = join(work, '..', `${relative(dir, work)}.output`);
  const all = { name: 'bench', cache: 'true', store, token: 'ghs_benchtoken0000000000', ...inputs };
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

function timeOnce(command, args, options) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e9);
    });
  });
}

async function best(times, command, args, options, before = () => {}) {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    before();
    fastest = Math.min(fastest, await timeOnce(command, args, options));
  }
  return fastest;
}

const results = [];
function row(benchmark, seconds, reference, refSeconds, extra = '') {
  results.push({
    benchmark,
    'mcp s': seconds.toFixed(3),
    reference,
    'ref s': refSeconds === undefined ? '—' : refSeconds.toFixed(3),
    ratio: refSeconds === undefined ? '—' : (seconds / refSeconds).toFixed(1),
    note: extra,
  });
}

// 1. A no-op command: everything but the command is our overhead.
{
  const { work } = repo('noop');
  const env = runnerEnv(work, { command: 'true', cache: 'false' });
  await timeOnce(process.execPath, [bundle], { cwd: work, env }); // the branch's first write
  const ours = await best(5, process.execPath, [bundle], { cwd: work, env });
  const shell = await best(5, 'sh', ['-c', 'true'], { cwd: work });
  const node = await best(5, process.execPath, ['-e', '0'], { cwd: work });
  row(
    'train around `true`, start to record pushed',
    ours,
    'sh -c true',
    shell,
    `node -e 0: ${node.toFixed(3)} s`,
  );
}

// 2. A cache hit restoring `outputMiB` of outputs (4 files), against cp -r.
{
  const { work } = repo('hit');
  const each = Math.ceil((outputMiB * 1048576) / 4);
  const command = `mkdir -p out && for i in 1 2 3 4; do head -c ${each} /dev/urandom > out/part$i.bin; done`;
  const env = runnerEnv(work, { command, outputs: 'out/' });
  await timeOnce(process.execPath, [bundle], { cwd: work, env });
  const copy = join(dir, 'copy-source');
  execFileSync('cp', ['-r', join(work, 'out'), copy]);
  const ours = await best(3, process.execPath, [bundle], { cwd: work, env }, () =>
    rmSync(join(work, 'out'), { recursive: true, force: true }),
  );
  const hit = readFileSync(env.GITHUB_OUTPUT, 'utf8').includes('true');
  const cp = await best(3, 'cp', ['-r', copy, join(dir, 'copy-target')], {}, () =>
    rmSync(join(dir, 'copy-target'), { recursive: true, force: true }),
  );
  row(`cache hit restoring ${outputMiB} MiB (4 files)`, ours, 'cp -r', cp, hit ? '' : 'NOT A HIT');
}

// 3a. Appends to mcp-meta: `jobs` writers at once, each its own clone (as jobs are).
{
  const { origin, work } = repo('meta');
  const clones = Array.from({ length: jobs }, (_, i) => {
    const clone = join(dir, `meta-${i}`);
    git(dir, 'clone', '-q', origin, clone);
    return clone;
  });
  const core = join(root, 'packages', 'core', 'src');
  const driverDir = join(dir, 'driver-src');
  mkdirSync(driverDir);
  writeFileSync(
    join(driverDir, 'driver.js'),
    `import { MetaBranch } from '${relative(driverDir, join(core, 'meta', 'index.ts'))}';
import { appendWithAudit } from '${relative(driverDir, join(core, 'audit', 'index.ts'))}';
const clones = JSON.parse(process.argv[2]);
const start = performance.now();
await Promise.all(clones.map(async (cwd, i) => {
  const meta = new MetaBranch({ cwd, author: { name: 'mcp', email: 'mcp@example.com' } });
  await appendWithAudit(meta, { actor: 'bench', commit: null, runUrl: null }, async () => ({
    files: { ['runs/bench/' + i + '.json']: JSON.stringify({ i }) + '\\n' },
    message: 'run ' + i,
    action: 'bench',
    subject: String(i),
  }));
}));
console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000 }));
`,
  );
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
      'build',
      join(driverDir, 'driver.js'),
      '-o',
      join(dir, 'driver'),
      '--transpile-only',
      '--quiet',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const { seconds } = JSON.parse(
    execFileSync(process.execPath, [join(dir, 'driver', 'index.js'), JSON.stringify(clones)], {
      encoding: 'utf8',
    }),
  );
  const commits = Number(git(origin, 'rev-list', '--count', 'mcp-meta'));
  row(
    `${jobs} concurrent appends to mcp-meta (MetaBranch + audit)`,
    seconds,
    'one append alone',
    await (async () => {
      const one = JSON.parse(
        execFileSync(process.execPath, [join(dir, 'driver', 'index.js'), JSON.stringify([work])], {
          encoding: 'utf8',
        }),
      );
      return one.seconds;
    })(),
    `${(jobs / seconds).toFixed(1)} appends/s; ${commits} commits for ${jobs} appends`,
  );
}

// 3b. Whole train jobs at once: bundle start to record pushed, `jobs` of them.
{
  const { origin } = repo('sweep');
  const clones = Array.from({ length: jobs }, (_, i) => {
    const clone = join(dir, `sweep-${i}`);
    git(dir, 'clone', '-q', origin, clone);
    return clone;
  });
  const start = process.hrtime.bigint();
  await Promise.all(
    clones.map((clone, i) =>
      timeOnce(process.execPath, [bundle], {
        cwd: clone,
        env: runnerEnv(clone, { command: 'true', params: `seed=${i}` }),
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const recorded = git(origin, 'ls-tree', '--name-only', 'mcp-meta:runs/bench').split('\n').length;
  row(
    `${jobs} concurrent train jobs (\`true\`)`,
    seconds,
    '—',
    undefined,
    `${(recorded / seconds).toFixed(1)} runs/s; ${recorded} runs recorded`,
  );
}

console.table(results);
const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout?.trim();
console.log(`node ${process.version}; load average ${load ?? 'unknown'}`);
rmSync(dir, { recursive: true, force: true });
