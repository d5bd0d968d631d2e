import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { dotenvKey, writeDotenv } from './dotenv';

describe('GitLab dotenv report', () => {
  it('writes single-line KEY=value pairs named MCP_<OUTPUT>', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcp.env');
    await writeDotenv(path, { passed: 'true', 'failed-rules': '[]' }, dir, 'spill');
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['MCP_FAILED_RULES=[]', 'MCP_PASSED=true']);
    expect(dotenvKey('fail-on')).toBe('MCP_FAIL_ON');
  });

  it('moves multi-line and oversized values to files (relative paths) and stays under 5 KB', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcp.env');
    const big = JSON.stringify(
      Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`metric_${i}`, i / 7])),
    );
    const spilled = await writeDotenv(path, { passed: 'false', metrics: big, report: 'a\nb' }, dir, 'spill');
    const text = await readFile(path, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(5 * 1024);
    expect(text).toContain('MCP_PASSED=false');
    expect(text).toContain('MCP_METRICS_FILE=spill/metrics.txt');
    expect(text).toContain('MCP_REPORT_FILE=spill/report.txt');
    expect(spilled.sort()).toEqual(['spill/metrics.txt', 'spill/report.txt']);
    await expect(readFile(join(dir, 'spill', 'metrics.txt'), 'utf8')).resolves.toBe(big);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^MCP_[A-Z_]+=[^\n]*$/);
  });

  it('counts bytes, not characters: non-Latin metric names still fit in 5 KB', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcp.env');
    const names = JSON.stringify(
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`精度指标${i}`, 0.5])),
    );
    await writeDotenv(path, { passed: 'true', metrics: names }, dir, 'spill');
    expect((await readFile(path)).length).toBeLessThanOrEqual(5 * 1024);
  });

  it('writes no file when there are no outputs', async () => {
    const dir = tempDir();
    await writeDotenv(join(dir, 'mcp.env'), {}, dir, 'spill');
    expect(existsSync(join(dir, 'mcp.env'))).toBe(false);
  });
});
