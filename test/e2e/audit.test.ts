// `mcp audit verify|log` from the CLI bundle, against a real mcp-meta branch on a bare remote.
import { join } from 'node:path';
import { appendWithAudit, MetaBranch } from '@mcp/core';
import { describe, expect, it } from 'vitest';
import { git, repoWithPullRequest, tempDir, writeFiles } from '../helpers/git';
import { runNode } from '../helpers/run';

const CLI = 'dist/cli/index.js';

async function recordThree(work: string) {
  const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
  for (let n = 1; n <= 3; n++) {
    await appendWithAudit(meta, { actor: 'alice', commit: null, runUrl: null }, async () => ({
      files: { [`items/${n}.json`]: `${JSON.stringify({ n })}\n` },
      message: `item ${n}`,
      action: 'test-append',
      subject: `item ${n}`,
    }));
  }
}

describe('mcp audit', () => {
  it('verifies an intact chain, prints the log, and names the first broken link after tampering', async () => {
    const { work, origin } = repoWithPullRequest({ 'a.txt': 'a' }, { 'b.txt': 'b' });
    await recordThree(work);

    const intact = await runNode(CLI, ['audit', 'verify'], { cwd: work, env: {} });
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^audit log intact: 3 events, the latest #3: test-append item 3 by alice/);
    const log = await runNode(CLI, ['audit', 'log'], { cwd: work, env: {} });
    expect(log.code).toBe(0);
    expect(log.stdout.match(/test-append/g)).toHaveLength(3);

    // An attacker edits event 2 with plain git and pushes normally.
    const attacker = join(tempDir(), 'attacker');
    git(tempDir(), 'clone', '-q', '--branch', 'mcp-meta', origin, attacker);
    const event = git(attacker, 'show', 'HEAD:audit/00000002.json');
    writeFiles(attacker, { 'audit/00000002.json': event.replace('"alice"', '"mallory"') });
    git(attacker, 'commit', '-qam', 'fix typo');
    git(attacker, 'push', '-q', 'origin', 'mcp-meta');

    const broken = await runNode(CLI, ['audit', 'verify'], { cwd: work, env: {} });
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/#3|#2|00000002/);
  });
});
