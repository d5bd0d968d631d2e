/**
 * The data gate: two profiles (data versions' stored ones, or files profiled now) compared column
 * by column — KS, χ², PSI, Wasserstein over the profiles' seeded samples —, p-values corrected
 * across columns, schema differences, and rules over all of it.
 *
 * ```ts
 * const comparison = compareProfiles(reference, current, { method: 'auto', correction: 'bonferroni', alpha: 0.05 });
 * comparison.drifted;                                   // ['temp_max']
 * evaluateDataRules(parseDataRules('drift(temp_max) < 0.1 by psi\nschema unchanged'), comparison);
 * ```
 */
export {
  type ColumnResult,
  type CompareOptions,
  type Comparison,
  compareProfiles,
  DRIFT_METHODS,
  type DriftMethod,
  type Histogram,
  MAX_CATEGORIES,
  numericHistogram,
  SCORE_THRESHOLDS,
  type SchemaDiff,
  schemaBroken,
  schemaDiff,
  type Untested,
} from './compare';
export { chart, type DataReport, renderDataMarkdown, renderDataText } from './report';
export { readRegistry, resolveSide, type Side, type Sources } from './resolve';
export { type DataRule, type DataRuleResult, evaluateDataRules, parseDataRules } from './rules';
export { type ValidateDataInput, type ValidateDataOutput, validateDataSpec } from './spec';
export { validateDataAction } from './validate-data';
