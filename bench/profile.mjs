#!/usr/bin/env node
// Data profiles (packages/core/src/profile), each beside a reference on the same file:
//   1. a generated CSV of BENCH_PROFILE_MB MiB (default 1024), against `wc -l` and Python's csv module
//   2. vega-datasets' flights-3m.parquet (3M rows), against hyparquet decoding the same columns alone
// Wall time and peak RSS per run. Run alone (`node bench/profile.mjs`) or from bench/run.mjs through
// `profileBenchmarks()`, which returns rows in run.mjs's table format. BENCH_PROFILE_MB sets the
// CSV's size; BENCH_PROFILE_ENTRY another copy of packages/core/src/profile/index.ts to bundle (an
// older commit's, extracted with `git archive`), to measure a change against it on the same machine.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const flights = join(root, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');

/** Wall time (s) and peak RSS (MiB) of a command; peak RSS from /proc while it runs. */
function measure(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let stdout = '';
    let stderr = '';
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {}
    }, 20);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, peak, stdout: stdout.trim() });
    });
  });
}

/**
 * A seeded CSV of about `mib` MiB: integers, dates, decimals with 1 % missing, a category, a
 * boolean and quoted text with commas — the mix a profile meets, the same bytes on every machine.
 */
function generateCsv(path, mib) {
  let state = 2463534242;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const weather = ['sun', 'rain', 'fog', 'drizzle', 'snow'];
  const notes = ['ok', '"dry, windy"', '"said ""hi"""', 'late', ''];
  const fd = openSync(path, 'w');
  let chunk = 'id,date,temp,wind,count,weather,flag,note\n';
  let written = 0;
  let rows = 0;
  for (; written < mib * 2 ** 20; rows++) {
    const day = new Date(Date.UTC(2000, 0, 1) + (rows % 9000) * 86_400_000).toISOString().slice(0, 10);
    const temp = random() < 0.01 ? '' : (random() * 40 - 5).toFixed(2);
    chunk += `${rows},${day},${temp},${(random() * 12).toFixed(1)},${(random() * 1000) | 0},${weather[(random() * 5) | 0]},${random() < 0.3},${notes[(random() * 5) | 0]}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      written += chunk.length;
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return rows;
}

/** The URL a package resolves to from packages/core, so a script in a temp dir can import it. */
function resolveFromCore(name) {
  return import.meta.resolve(name, pathToFileURL(join(root, 'packages', 'core', 'package.json')).href);
}

function python() {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import csv'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}

function row(name, ours, reference, referenceName) {
  return {
    benchmark: name,
    'mcp s': ours.seconds.toFixed(3),
    'mcp MiB': ours.peak.toFixed(0),
    reference: referenceName,
    'ref s': reference ? reference.seconds.toFixed(3) : '—',
    'ref MiB': reference ? reference.peak.toFixed(0) : '—',
    'time ratio': reference ? (ours.seconds / reference.seconds).toFixed(2) : '—',
    'memory ratio': reference ? (ours.peak / reference.peak).toFixed(2) : '—',
  };
}

export async function profileBenchmarks() {
  const dir = mkdtempSync(join(tmpdir(), 'profile-bench-'));
  try {
    // The profile module is not in a committed bundle yet: bundle it here, as scripts/build.mjs does.
    execFileSync(
      process.execPath,
      [
        ncc,
        'build',
        process.env.BENCH_PROFILE_ENTRY ?? join(root, 'packages/core/src/profile/index.ts'),
        '-o',
        join(dir, 'bundle'),
        '--transpile-only',
        '--quiet',
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    writeFileSync(
      join(dir, 'profile.mjs'),
      `const { profileFile } = await import(${JSON.stringify(join(dir, 'bundle', 'index.js'))});
const profile = await profileFile(process.argv[2]);
console.log(profile.rows, profile.columns.length, JSON.stringify(profile).length);\n`,
    );
    writeFileSync(
      join(dir, 'decode.mjs'),
      `import { asyncBufferFromFile, parquetRead } from ${JSON.stringify(resolveFromCore('hyparquet'))};
import { compressors } from ${JSON.stringify(resolveFromCore('hyparquet-compressors'))};
const file = await asyncBufferFromFile(process.argv[2]);
let values = 0;
await parquetRead({ file, compressors, onChunk: (chunk) => { values += chunk.columnData.length; } });
console.log(values);\n`,
    );
    const results = [];
    const mib = Number(process.env.BENCH_PROFILE_MB ?? 1024);
    const csv = join(dir, 'data.csv');
    const rows = generateCsv(csv, mib);
    const ours = await measure(process.execPath, [join(dir, 'profile.mjs'), csv], dir);
    const wc = await measure('wc', ['-l', csv], dir);
    results.push(
      row(`profile of a ${mib} MiB CSV (${rows.toLocaleString('en')} rows × 8)`, ours, wc, 'wc -l'),
    );
    const py = python();
    if (py) {
      const reader = await measure(
        py,
        ['-c', 'import csv,sys\nprint(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))', csv],
        dir,
      );
      results.push(row('  same file', ours, reader, 'python csv.reader, rows only'));
    }
    rmSync(csv, { force: true });
    if (existsSync(flights)) {
      const parquet = await measure(process.execPath, [join(dir, 'profile.mjs'), flights], dir);
      const decode = await measure(process.execPath, [join(dir, 'decode.mjs'), flights], dir);
      results.push(
        row('profile of flights-3m.parquet (3M rows × 5)', parquet, decode, 'hyparquet decoding alone'),
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await profileBenchmarks());
  console.log(
    `node ${process.version}; ${existsSync('/proc/cpuinfo') ? (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '') : ''}`,
  );
}
