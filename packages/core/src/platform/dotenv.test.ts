import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { dotenvKey, writeDotenv } from './dotenv';

describe('GitLab dotenv report', () => {
  it('writes single-line KEY=value pairs named MCP_<OUTPUT>', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcp.env');
    await writeDotenv(path, { passed: 'true', 'failed-rules': '[]' }, join(dir, 'spill'));
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['MCP_FAILED_RULES=[]', 'MCP_PASSED=true']);
    expect(dotenvKey('fail-on')).toBe('MCP_FAIL_ON');
  });

  it('moves multi-line and oversized values to files and stays under 5 KB', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcp.env');
    const big = JSON.stringify(
      Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`metric_${i}`, i / 7])),
    );
    const spilled = await writeDotenv(
      path,
      { passed: 'false', metrics: big, report: 'a\nb' },
      join(dir, 'spill'),
    );
    const text = await readFile(path, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(5 * 1024);
    expect(text).toContain('MCP_PASSED=false');
    expect(text).toContain(`MCP_METRICS_FILE=${join(dir, 'spill', 'metrics.txt')}`);
    expect(text).toContain(`MCP_REPORT_FILE=${join(dir, 'spill', 'report.txt')}`);
    expect(spilled).toHaveLength(2);
    await expect(readFile(join(dir, 'spill', 'metrics.txt'), 'utf8')).resolves.toBe(big);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^MCP_[A-Z_]+=[^\n]*$/);
  });
});
