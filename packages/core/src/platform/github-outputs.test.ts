import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readGitHubOutputs } from '../../../../test/helpers/run';
import { GitHubPlatform } from './github';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it("an output over GitHub's 1 MB goes to a file named by <name>-file, with a warning; smaller ones stay inline", () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-outputs-'));
  dirs.push(dir);
  const log: string[] = [];
  const output = join(dir, 'output');
  const platform = new GitHubPlatform({
    env: { GITHUB_OUTPUT: output, GITHUB_WORKSPACE: dir },
    cwd: dir,
    log: (line) => log.push(line),
  });
  const big = JSON.stringify({ values: Array.from({ length: 200_000 }, (_, i) => i) });
  platform.setOutput('metrics', big);
  platform.setOutput('run-id', 'r-1\nsecond line');
  const outputs = readGitHubOutputs(output);
  expect(outputs).toEqual({
    'metrics-file': '.mcp/outputs/metrics.txt',
    metrics: '',
    'run-id': 'r-1\nsecond line',
  });
  expect(readFileSync(join(dir, '.mcp', 'outputs', 'metrics.txt'), 'utf8')).toBe(big);
  expect(existsSync(join(dir, '.mcp', 'outputs', 'run-id.txt'))).toBe(false);
  expect(log).toEqual([
    `::warning::output metrics has ${big.length} bytes, over GitHub's 1 MB for an output: written to .mcp/outputs/metrics.txt, named by the output metrics-file`,
  ]);
});
