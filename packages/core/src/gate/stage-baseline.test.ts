import { describe, expect, it } from 'vitest';
import { repoWithRemote } from '../../../../test/helpers/git';
import { InputError } from '../errors';
import { MetaBranch } from '../meta';
import { LocalPlatform } from '../platform';
import { assignStage, RegistryGit, registerModel } from '../registry';
import { loadBaseline } from './baseline';

const file = (c: string) => ({ path: 'model.pkl', size: 1, sha256: c.repeat(64) });

describe('baseline: stage:<stage>', () => {
  it('is the metrics of the version that holds the stage now, and none before any does', async () => {
    const { work } = repoWithRemote({ 'train.py': '' });
    const git = new RegistryGit({
      cwd: work,
      tagger: { name: 'ci', email: 'ci@example.com' },
      retry: { baseMs: 5 },
    });
    const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
    const context = { actor: 'alice', commit: null, runUrl: null };
    const register = (name: string, c: string, metrics: Record<string, number>) =>
      registerModel(git, meta, context, { name, commit: 'HEAD', files: [file(c)], metrics });
    const lines: string[] = [];
    const platform = await LocalPlatform.create({ env: {}, cwd: work, log: (line) => lines.push(line) });

    expect(await loadBaseline(platform, 'stage:production', '')).toBeUndefined();
    expect(lines).toContain('No baseline: no model version is in stage production yet.');

    await register('churn', 'a', { f1: 0.81, auc: 0.9 });
    await register('churn', 'b', { f1: 0.85, auc: 0.91 });
    await assignStage(git, { name: 'churn', stage: 'production', version: 'v0.0.1' });
    const baseline = await loadBaseline(platform, 'stage:production', '');
    expect(baseline?.source).toBe('churn v0.0.1 (stage production)');
    expect([...(baseline?.metrics ?? [])]).toEqual([
      ['f1', { value: 0.81 }],
      ['auc', { value: 0.9 }],
    ]);

    // The latest assignment wins; a second model in the stage must be named.
    await assignStage(git, { name: 'churn', stage: 'production', version: 'v0.0.2' });
    await register('fraud', 'c', { recall: 0.7 });
    await assignStage(git, { name: 'fraud', stage: 'production', version: 'v0.0.1' });
    await expect(loadBaseline(platform, 'stage:production', '')).rejects.toThrow(
      'baseline: churn, fraud are all in stage production; name the model: stage:churn#production',
    );
    const named = await loadBaseline(platform, 'stage:churn#production', '');
    expect(named?.metrics.get('f1')).toEqual({ value: 0.85 });
    await expect(loadBaseline(platform, 'stage:chrun#production', '')).rejects.toThrow(
      /baseline: the registry has no model "chrun"; did you mean churn\?/,
    );
    await expect(loadBaseline(platform, 'stage:Prod', '')).rejects.toThrow(InputError);
  });
});
