import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { judgeColumns } from './column';
import { adjustPValues } from './multiple-testing';

interface MultipleTestingFixture {
  cases: { name: string; pvalues: number[]; bonferroni: number[]; benjaminiHochberg: number[] }[];
}

describe('Bonferroni and Benjamini-Hochberg equal numpy by hand (false_discovery_control when present)', () => {
  for (const c of scipyFixture<MultipleTestingFixture>('multiple-testing').cases) {
    it(c.name, () => {
      const bonferroni = adjustPValues(c.pvalues, 'bonferroni');
      const bh = adjustPValues(c.pvalues, 'benjamini-hochberg');
      c.pvalues.forEach((_, i) => {
        expectClose(bonferroni[i] ?? Number.NaN, c.bonferroni[i] ?? Number.NaN, `bonferroni ${i}`);
        expectClose(bh[i] ?? Number.NaN, c.benjaminiHochberg[i] ?? Number.NaN, `bh ${i}`);
      });
    });
  }

  it('flags the columns whose adjusted p-value is below the level', () => {
    const pValues = new Map([
      ['temp', 0.001],
      ['wind', 0.02],
      ['rain', 0.4],
    ]);
    const bonferroni = judgeColumns(pValues, 'bonferroni');
    expect(bonferroni.map((v) => [v.column, v.drifted])).toEqual([
      ['temp', true],
      ['wind', false],
      ['rain', false],
    ]);
    const bh = judgeColumns(pValues, 'benjamini-hochberg');
    expect(bh.filter((v) => v.drifted).map((v) => v.column)).toEqual(['temp', 'wind']);
  });

  it('refuses a value that is not a p-value', () => {
    expect(() => adjustPValues([0.1, 1.2], 'bonferroni')).toThrow(/not a p-value/);
  });
});
