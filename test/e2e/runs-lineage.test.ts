// `mcp runs list|best` and `mcp lineage` from the CLI bundle, over records on a real mcp-meta branch.
import { appendWithAudit, MetaBranch, runRecordPath } from '@mcp/core';
import { describe, expect, it } from 'vitest';
import { runRecord } from '../../packages/core/src/lineage/test-records';
import { repoWithRemote } from '../helpers/git';
import { runNode } from '../helpers/run';

const CLI = 'dist/cli/index.js';
const ID = (n: number) => `20261129T08000${n}Z-0000000${n}`;

/** Three runs of a sweep (one failed) recorded as `train` records them: one commit each, audited. */
async function recordSweep(work: string) {
  const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
  const runs = [
    runRecord({ id: ID(1), params: { depth: 2 }, metrics: { f1: 0.81, loss: 0.4 } }),
    runRecord({ id: ID(2), params: { depth: 4 }, metrics: { f1: 0.88, loss: 0.3 } }),
    runRecord({ id: ID(3), params: { depth: 8 }, metrics: { f1: 0.93 }, exitCode: 137 }),
  ];
  for (const run of runs) {
    await appendWithAudit(meta, { actor: 'alice', commit: null, runUrl: null }, async () => ({
      files: { [runRecordPath(run.name, run.id)]: `${JSON.stringify(run, null, 2)}\n` },
      message: `run: ${run.name} ${run.id}`,
      action: 'train',
      subject: run.id,
    }));
  }
}

describe('mcp runs and mcp lineage', () => {
  it('lists a sweep, picks its best successful run, and traces a run', async () => {
    const { work } = repoWithRemote({ 'a.txt': 'a' });
    await recordSweep(work);

    const list = await runNode(CLI, ['runs', 'list', '--name', 'weather'], { cwd: work, env: {} });
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^run\s+commit\s+exit\s+cache\s+outputs\s+f1\s+loss$/);
    expect(list.stdout).toContain(ID(3));

    const best = await runNode(CLI, ['runs', 'best', '--name', 'weather', '--metric', 'f1', '--json'], {
      cwd: work,
      env: {},
    });
    expect(best.code).toBe(0);
    expect(JSON.parse(best.stdout)).toMatchObject({
      id: ID(2),
      value: 0.88,
      direction: 'higher',
      params: { depth: 4 },
    });

    const table = await runNode(CLI, ['runs', 'best', '--name', 'weather', '--metric', 'loss'], {
      cwd: work,
      env: {},
    });
    expect(table.stdout).toMatch(new RegExp(`^best loss \\(lower is better\\): ${ID(2)} = 0.3`));
    expect(table.stdout).toMatch(new RegExp(`-\\s+${ID(3)}\\s+aaaaaaa\\s+exit code 137`));

    const lineage = await runNode(CLI, ['lineage', ID(1), '--format', 'markdown'], { cwd: work, env: {} });
    expect(lineage.code).toBe(0);
    expect(lineage.stdout).toContain(`Lineage of run ${ID(1)}`);
    expect(lineage.stdout).toContain('```mermaid');
  });

  it('exits 2 with one line naming what was wrong', async () => {
    const { work } = repoWithRemote({ 'a.txt': 'a' });
    await recordSweep(work);
    const cases: [string[], RegExp][] = [
      [
        ['runs', 'best', '--name', 'weather', '--metric', 'f2'],
        /metric: no successful run reported "f2" \(did you mean f1\?\)/,
      ],
      [
        ['runs', 'best', '--name', 'weathr', '--metric', 'f1'],
        /name: no runs of "weathr" on mcp-meta \(did you mean weather\?\)/,
      ],
      [
        ['runs', 'best', '--name', 'weather', '--metric', 'f1', '--direction', 'up'],
        /direction: "up" is not higher or lower/,
      ],
      [
        ['runs', 'best', '--name', 'weather', '--metric', 'f1', '--commit', 'HEAD'],
        /commit: "HEAD" is not a commit sha/,
      ],
      [['runs', 'list', '--name', '../x'], /name: "..\/x" is not a run name/],
      [['runs', 'list', '--nme', 'weather'], /Unknown option '--nme'/],
      [['lineage', 'nonsense'], /subject: "nonsense" is not a model version/],
      [['lineage', ID(1), '--format', 'svg'], /format: "svg" is not text, markdown, mermaid or json/],
    ];
    // Independent read-only runs: side by side.
    const runs = await Promise.all(cases.map(([args]) => runNode(CLI, args, { cwd: work, env: {} })));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i] as Awaited<ReturnType<typeof runNode>>;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0]).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });
});
