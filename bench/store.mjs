#!/usr/bin/env node
// Benchmarks of the content store (packages/core/src/store), bundled with ncc as the actions ship
// it, each beside a reference on the same files, printed as ratios. Figures, not assertions.
//   1. SHA-256 + FastCDC of a dataset (~2 GiB in 2,000 files) on every core, cold and with a warm
//      stat cache, beside sha256sum (one process, and one per core) and b3sum where installed
//   2. re-hashing 100k unchanged small files (stat cache)
//   3. peak RSS chunking one large file (2 GiB; BENCH_STORE_LARGE_MIB=10240 for the 10 GiB figure)
//   4. bytes uploaded after appending 1% rows to a 1 GiB CSV, beside `git lfs` on the same file
//      where it is installed (LFS stores whole files: it uploads the full new file)
// Files are read from the page cache (just written), by us and the references alike.
// Run: node bench/store.mjs   Smaller: BENCH_STORE_MIB=256 BENCH_STORE_FILES=200
//   BENCH_STORE_SMALL_FILES=10000 BENCH_STORE_LARGE_MIB=256 BENCH_STORE_CSV_MIB=128 node bench/store.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const datasetMiB = env('BENCH_STORE_MIB', 2048);
const datasetFiles = env('BENCH_STORE_FILES', 2000);
const smallFiles = env('BENCH_STORE_SMALL_FILES', 100_000);
const largeMiB = env('BENCH_STORE_LARGE_MIB', 2048);
const csvMiB = env('BENCH_STORE_CSV_MIB', 1024);
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-store-'));
// Gigabytes of temp files: removed however the run ends.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// A driver bundled like an action: the store's code, its workers and the seeded generators.
const store = join(root, 'packages', 'core', 'src', 'store');
writeFileSync(
  join(dir, 'driver.js'),
  `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { ContentStore, LocalDirectoryBackend, hashFiles } from '${relative(dir, join(store, 'index.ts'))}';
import { csvRows, noise } from '${relative(dir, join(store, 'test-data.ts'))}';
import { diffRows } from '${relative(dir, join(root, 'packages', 'core', 'src', 'data', 'row-diff.ts'))}';
const [op, ...args] = process.argv.slice(2);
const start = performance.now();
let out = {};
if (op === 'noise') {
  // path, bytes, seed: written in 64 MiB pieces so that memory stays small
  const [path, bytes, seed] = [args[0], Number(args[1]), Number(args[2])];
  writeFileSync(path, '');
  for (let at = 0, n = 0; at < bytes; at += 64 << 20, n++) appendFileSync(path, noise(Math.min(64 << 20, bytes - at), seed + n));
} else if (op === 'csv') {
  const [path, bytes, from] = [args[0], Number(args[1]), Number(args[2] ?? 0)];
  let size = 0;
  let row = from;
  if (from === 0) writeFileSync(path, 'id,label,score,text\\n');
  while (size < bytes) {
    const text = csvRows(row, 100_000, 7);
    appendFileSync(path, text);
    size += text.length;
    row += 100_000;
  }
  out = { rows: row };
} else if (op === 'hash') {
  const paths = readFileSync(args[0], 'utf8').split('\\n').filter(Boolean);
  const digests = await hashFiles(paths, { cacheDir: args[1] || undefined });
  out = { files: digests.length, bytes: digests.reduce((s, d) => s + d.size, 0), cached: digests.filter((d) => d.cached).length };
} else if (op === 'add') {
  const contentStore = new ContentStore({ backend: new LocalDirectoryBackend(args[0]), cacheDir: args[1] });
  const { files, bytesUploaded } = await contentStore.addFiles([{ path: 'data.csv', absolutePath: args[2] }]);
  await contentStore.close();
  if (args[3]) writeFileSync(args[3], JSON.stringify(files[0].chunks));
  out = { size: files[0].size, bytesUploaded };
} else if (op === 'rows') {
  // store, cache, file, chunks before, chunks after: the exact row diff version-data records
  const contentStore = new ContentStore({ backend: new LocalDirectoryBackend(args[0]), cacheDir: args[1] });
  let bytesRead = 0;
  const change = await diffRows({
    kind: 'csv',
    before: JSON.parse(readFileSync(args[3], 'utf8')),
    after: JSON.parse(readFileSync(args[4], 'utf8')),
    file: args[2],
    readChunk: (chunk) => ((bytesRead += chunk.size), contentStore.readChunk(chunk)),
  });
  await contentStore.close();
  out = { ...change, bytesRead };
}
out.seconds = (performance.now() - start) / 1000;
out.peakMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
`,
);
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
    'build',
    join(dir, 'driver.js'),
    '-o',
    join(dir, 'driver'),
    '--transpile-only',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
const driver = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [join(dir, 'driver', 'index.js'), ...args.map(String)], {
      encoding: 'utf8',
    }),
  );

/** Wall time of a command, best of `times`. */
function time(times, command, args, options = {}) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
    if (run.status !== 0) throw new Error(`${command} failed`);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}
const bestOf = (times, ...args) => {
  const runs = Array.from({ length: times }, () => driver(...args));
  return runs.sort((a, b) => a.seconds - b.seconds)[0];
};
const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const mibps = (bytes, seconds) => `${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s`;
const results = [];
const row = (benchmark, seconds, bytes, reference, refSeconds) =>
  results.push({
    benchmark,
    'mcp s': seconds.toFixed(3),
    'mcp rate': bytes ? mibps(bytes, seconds) : '—',
    reference,
    'ref s': refSeconds ? refSeconds.toFixed(3) : '—',
    'time ratio': refSeconds ? (seconds / refSeconds).toFixed(2) : '—',
  });

// 1. A dataset of files from 0.25 to 1.75 times the average size (1 MiB by default): about a
// third are over the 1 MiB minimum chunk and so are cut by FastCDC; the rest are one chunk.
const data = join(dir, 'dataset');
mkdirSync(data);
const paths = [];
const each = Math.floor((datasetMiB * 2 ** 20) / datasetFiles);
const sizes = Array.from({ length: datasetFiles }, (_, i) =>
  Math.floor(each * (0.25 + (1.5 * ((i * 7919) % 1000)) / 1000)),
);
for (let i = 0; i < datasetFiles; i++) paths.push(join(data, `part-${String(i).padStart(5, '0')}.bin`));
const perFile = join(dir, 'one-file.bin');
driver('noise', perFile, Math.ceil(each * 1.75), 1);
const template = readFileSync(perFile);
paths.forEach((path, i) => {
  // Distinct content per file (a counter in the first bytes) without generating 2 GiB of noise.
  template.writeUInt32LE(i, 0);
  writeFileSync(path, template.subarray(0, sizes[i]));
});
const list = join(dir, 'dataset.txt');
writeFileSync(list, paths.join('\n'));
const bytes = sizes.reduce((sum, size) => sum + size, 0);
const cores = availableParallelism();
const cold = bestOf(2, 'hash', list, '');
const sha256sum = time(2, 'sh', ['-c', `xargs sha256sum < ${list}`]);
const sha256sumParallel = time(2, 'sh', [
  '-c',
  `xargs -P ${cores} -n ${Math.ceil(datasetFiles / cores / 4)} sha256sum < ${list}`,
]);
const label = `${datasetFiles} files, ${(bytes / 2 ** 30).toFixed(2)} GiB`;
row(`sha256 + FastCDC, ${label}, ${cores} workers`, cold.seconds, bytes, 'sha256sum, one process', sha256sum);
row(
  `sha256 + FastCDC, ${label}, ${cores} workers`,
  cold.seconds,
  bytes,
  `sha256sum × ${cores} (xargs -P)`,
  sha256sumParallel,
);
if (has('b3sum')) {
  const b3 = time(2, 'sh', ['-c', `xargs b3sum < ${list}`]);
  row(
    `sha256 + FastCDC, ${label}, ${cores} workers`,
    cold.seconds,
    bytes,
    'b3sum (multithreaded BLAKE3)',
    b3,
  );
}
const cache = join(dir, 'cache');
driver('hash', list, cache); // fills the stat cache (files written over 2 s ago count)
const warm = bestOf(2, 'hash', list, cache);
if (warm.cached !== datasetFiles)
  console.error(`warning: ${warm.cached}/${datasetFiles} answered by the stat cache`);
row(`re-hash unchanged, ${label} (stat cache)`, warm.seconds, 0, 'cold run above', cold.seconds);
rmSync(data, { recursive: true, force: true });

// 2. Many small unchanged files.
const small = join(dir, 'small');
mkdirSync(small);
const smallPaths = [];
for (let i = 0; i < smallFiles; i++) {
  const path = join(small, `${i}.json`);
  writeFileSync(path, `{"id":${i},"label":"${i % 3}"}\n`);
  smallPaths.push(path);
}
const smallList = join(dir, 'small.txt');
writeFileSync(smallList, smallPaths.join('\n'));
const smallCold = bestOf(1, 'hash', smallList, '');
await new Promise((resolve) => setTimeout(resolve, 2100)); // past the racy-mtime window
driver('hash', smallList, join(dir, 'small-cache'));
const smallWarm = bestOf(2, 'hash', smallList, join(dir, 'small-cache'));
const smallSum = time(1, 'sh', ['-c', `xargs sha256sum < ${smallList}`]);
row(
  `re-hash ${smallFiles.toLocaleString('en')} unchanged small files (stat cache)`,
  smallWarm.seconds,
  0,
  'sha256sum, one process',
  smallSum,
);
row(
  `hash ${smallFiles.toLocaleString('en')} small files, cold`,
  smallCold.seconds,
  0,
  'sha256sum, one process',
  smallSum,
);
rmSync(small, { recursive: true, force: true });

// 3. One large file: memory must not grow with it.
const large = join(dir, 'large.bin');
driver('noise', large, largeMiB * 2 ** 20, 3);
writeFileSync(join(dir, 'large.txt'), large);
const largeRun = driver('hash', join(dir, 'large.txt'), '');
const largeSum = time(1, 'sha256sum', [large]);
row(
  `one ${largeMiB} MiB file (peak RSS ${largeRun.peakMiB.toFixed(0)} MiB)`,
  largeRun.seconds,
  largeMiB * 2 ** 20,
  'sha256sum',
  largeSum,
);
rmSync(large, { force: true });

// 4. Append 1% rows to a CSV and store it again; the same file in a git repository with LFS.
const lfsRepo = join(dir, 'lfs');
mkdirSync(lfsRepo);
const csv = join(lfsRepo, 'data.csv');
const csvBytes = csvMiB * 2 ** 20;
const { rows } = driver('csv', csv, csvBytes, 0);
const first = driver('add', join(dir, 'store'), join(dir, 'store-cache'), csv, join(dir, 'chunks-1.json'));
const lfs = has('git') && spawnSync('git', ['lfs', 'version']).status === 0;
let lfsFirst;
if (lfs) {
  const git = (...args) =>
    execFileSync('git', args, { cwd: lfsRepo, stdio: ['ignore', 'ignore', 'inherit'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.com');
  git('lfs', 'install', '--local');
  lfsFirst = time(
    1,
    'sh',
    ['-c', 'git lfs track "*.csv" >/dev/null && git add .gitattributes data.csv && git commit -q -m v1'],
    { cwd: lfsRepo },
  );
}
const lfsObjects = () => {
  const sizes = new Map();
  const walk = (d) => {
    for (const entry of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else sizes.set(entry.name, statSync(join(d, entry.name)).size);
    }
  };
  walk(join(lfsRepo, '.git', 'lfs', 'objects'));
  return sizes;
};
const lfsBefore = lfsObjects();
driver('csv', csv, csvBytes / 100, rows);
const second = driver('add', join(dir, 'store'), join(dir, 'store-cache'), csv, join(dir, 'chunks-2.json'));
const rowDiff = driver(
  'rows',
  join(dir, 'store'),
  join(dir, 'store-cache'),
  csv,
  join(dir, 'chunks-1.json'),
  join(dir, 'chunks-2.json'),
);
let lfsSecond;
let lfsUpload = 0;
if (lfs) {
  lfsSecond = time(1, 'sh', ['-c', 'git add data.csv && git commit -q -m v2'], { cwd: lfsRepo });
  // What `git push` would send: the LFS objects the remote lacks, i.e. those made since v1.
  for (const [name, size] of lfsObjects()) if (!lfsBefore.has(name)) lfsUpload += size;
}
const csvLabel = `${csvMiB} MiB CSV`;
row(
  `store a ${csvLabel}, then +1% rows: ${((second.bytesUploaded / second.size) * 100).toFixed(2)}% uploaded (peak RSS ${Math.max(first.peakMiB, second.peakMiB).toFixed(0)} MiB)`,
  second.seconds,
  second.size,
  'first version',
  first.seconds,
);
row(
  `exact row diff of the +1% (+${rowDiff.rowsAdded} −${rowDiff.rowsRemoved} rows, ${(rowDiff.bytesRead / 2 ** 20).toFixed(1)} MiB of v1 read, peak RSS ${rowDiff.peakMiB.toFixed(0)} MiB)`,
  rowDiff.seconds,
  0,
  'storing the +1% above',
  second.seconds,
);
if (lfs) {
  row(
    `store a ${csvLabel} (first version)`,
    first.seconds,
    first.size,
    'git lfs track + add + commit',
    lfsFirst,
  );
  row(`store the ${csvLabel} +1% rows`, second.seconds, second.size, 'git lfs: git add + commit', lfsSecond);
}
const uploads = [
  {
    'after +1% rows to a': csvLabel,
    'mcp uploads': `${(second.bytesUploaded / 2 ** 20).toFixed(1)} MiB`,
    'mcp % of file': ((second.bytesUploaded / second.size) * 100).toFixed(2),
    reference: lfs ? 'git lfs (whole new file)' : 'git lfs not installed',
    'ref uploads': lfs ? `${(lfsUpload / 2 ** 20).toFixed(1)} MiB` : '—',
    'ref % of file': lfs ? ((lfsUpload / second.size) * 100).toFixed(2) : '—',
    'bytes ratio': lfs ? (second.bytesUploaded / lfsUpload).toFixed(3) : '—',
  },
];

console.table(results);
console.table(uploads);
if (!lfs) console.log('git lfs is not installed: the LFS comparison was skipped (apt-get install git-lfs)');
console.log(`node ${process.version}; ${cores} cores; ${cpus()[0]?.model ?? ''}`);
