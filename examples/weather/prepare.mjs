#!/usr/bin/env node
// Writes one data version of the Seattle weather table (vega-datasets) as CSV: the days of the
// given years. `node prepare.mjs --years 2012-2013 --out data/weather.csv [--every 2]`
// (`--every n` keeps every n-th day, for a smaller table with the same distributions).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    years: { type: 'string', default: '2012-2015' },
    out: { type: 'string', default: 'data/weather.csv' },
    every: { type: 'string', default: '1' },
  },
});

const match = /^(\d{4})(?:-(\d{4}))?$/.exec(values.years);
if (!match) fail(`--years: "${values.years}" is not a year or a range like 2012-2013`);
const from = Number(match[1]);
const to = Number(match[2] ?? match[1]);
const every = Number(values.every);
if (!Number.isInteger(every) || every < 1) fail(`--every: "${values.every}" is not a whole number ≥ 1`);

// The package exports only its JS entry; its data files sit beside it.
const entry = createRequire(import.meta.url).resolve('vega-datasets');
const source = join(dirname(entry), '..', 'data', 'seattle-weather.csv');
const [header, ...lines] = readFileSync(source, 'utf8').trim().split('\n');
const kept = lines
  .filter((line) => {
    const year = Number(line.slice(0, 4));
    return year >= from && year <= to;
  })
  .filter((_, i) => i % every === 0);
if (kept.length === 0) fail(`--years: no day of ${values.years} in ${source}`);

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${[header, ...kept].join('\n')}\n`);
process.stdout.write(`${values.out}: ${kept.length} days of ${from}–${to}\n`);

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
