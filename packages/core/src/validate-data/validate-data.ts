import { join, relative } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { type DataVersion, openMeta, openStore } from '../data';
import { InputError, McpError } from '../errors';
import { postGateComments } from '../gate/publish';
import { commentMarker } from '../markdown';
import type { MetaView } from '../meta';
import { fileNameFor, type Platform, writeFileAtomic } from '../platform';
import type { ContentStore } from '../store';
import { type Comparison, compareProfiles, type DriftMethod, schemaBroken } from './compare';
import { renderDataMarkdown, renderDataText } from './report';
import { readRegistry, resolveSide, type Side } from './resolve';
import { type DataRule, type DataRuleResult, evaluateDataRules, parseDataRules } from './rules';
import { type ValidateDataInput, type ValidateDataOutput, validateDataSpec } from './spec';

type Inputs = Record<ValidateDataInput, string>;
type Result = ActionResult<ValidateDataOutput>;

export const validateDataAction = defineAction({
  spec: validateDataSpec,
  run: (platform, inputs) => validateData(platform, inputs),
});

async function validateData(platform: Platform, inputs: Inputs): Promise<Result> {
  const alpha = Number(inputs.alpha);
  if (!inputs.alpha || !(alpha > 0 && alpha < 1)) {
    throw new InputError(`alpha: "${inputs.alpha}" is not a number between 0 and 1`, 'alpha');
  }
  const rules = inputs.rules ? parseDataRules(inputs.rules, 'rules') : undefined;
  const columns = inputs.columns
    ? inputs.columns
        .split(/[,\n]/)
        .map((c) => c.trim())
        .filter(Boolean)
    : undefined;
  const { workspace } = platform.context;
  const stores = new Map<string, ContentStore>();
  // `auto`: each version is read from the store version-data recorded it in.
  const storeFor = (record: DataVersion) => {
    const value = inputs.store && inputs.store !== 'auto' ? inputs.store : storeInput(record.store);
    let store = stores.get(value);
    if (!store) {
      store = openStore(platform, value).store;
      stores.set(value, store);
    }
    return store;
  };
  const meta = openMeta(platform);
  let view: Promise<MetaView> | undefined;
  const sources = {
    workspace,
    store: storeFor,
    meta: () => {
      view ??= meta.fetch().then(() => meta.snapshot());
      return view;
    },
    registry: readRegistry(workspace),
    info: (line: string) => platform.info(line),
  };
  let reference: Side;
  let current: Side;
  try {
    reference = await resolveSide(inputs.reference, 'reference', sources);
    current = await resolveSide(inputs.current, 'current', sources);
  } finally {
    for (const store of stores.values()) await store.close();
  }
  for (const column of columns ?? []) {
    const known = [...reference.profile.columns, ...current.profile.columns].some((c) => c.name === column);
    if (!known)
      throw new InputError(`columns: no column "${column}" in the reference or the current data`, 'columns');
  }
  const comparison = compareProfiles(reference.profile, current.profile, {
    columns,
    method: inputs.method as 'auto' | DriftMethod,
    correction: inputs.correction === 'bh' ? 'benjamini-hochberg' : 'bonferroni',
    alpha,
  });
  const results = rules && evaluateDataRules(rules, comparison, 'rules');
  // Without rules: no column drifted, none removed or retyped (an added column is only reported).
  const passed = results
    ? results.every((r) => r.passed)
    : comparison.drifted.length === 0 && !schemaBroken(comparison.schema);
  const report = {
    title: inputs.title,
    passed,
    reference: reference.label,
    current: current.label,
    comparison,
    rules: results,
  };

  const marker = commentMarker('validate-data', inputs.title);
  const { context } = platform;
  await platform.group(`${inputs.title}: ${comparison.tested.length} columns tested`, async () =>
    platform.info(renderDataText(report)),
  );
  const markdown = (limit: number) => renderDataMarkdown(report, { marker, limit, runUrl: context.runUrl });
  const reportPath = join(workspace, '.mcp', 'reports', `validate-data-${fileNameFor(inputs.title)}.md`);
  await writeFileAtomic(reportPath, markdown(Number.POSITIVE_INFINITY));
  await platform.appendSummary(markdown(platform.limits.summary - 1024));
  await postGateComments(platform, inputs.comment, marker, markdown(platform.limits.comment));

  const line = renderDataText(report).split('\n')[0] as string;
  if (passed) platform.info(line);
  else
    platform.error(
      `${line}${comparison.drifted.length > 0 ? `: drifted ${comparison.drifted.join(', ')}` : ''}`,
    );
  const triggered = await trigger(platform, inputs.trigger, driftFound(comparison, rules, results), current);
  return {
    outputs: {
      passed: String(passed),
      columns: JSON.stringify(columnsOutput(comparison)),
      'drifted-columns': JSON.stringify(comparison.drifted),
      report: relative(workspace, reportPath) || reportPath,
      triggered: String(triggered.started),
    },
    exitCode: passed && !triggered.failed ? 0 : 1,
  };
}

/** The `store` input that opens the store a record names: `release:mcp-store` → `release`. */
function storeInput(label: string): string {
  return label.startsWith('local:') ? label : (label.split(':')[0] as string);
}

/**
 * Without rules, a drifted column; with rules, a failed rule about drift (`drift`, `pvalue`,
 * `drifted_*`): rules that pass have accepted the drift there is, and schema or missing-value
 * rules are not about drift.
 */
function driftFound(comparison: Comparison, rules?: DataRule[], results?: DataRuleResult[]): boolean {
  if (!rules || !results) return comparison.drifted.length > 0;
  return results.some((r, i) => !r.passed && rules[i]?.kind === 'compare' && /drift|pvalue/.test(r.rule));
}

/** The inputs `trigger` starts its workflow with (GitHub: `workflow_dispatch` inputs). */
export const TRIGGER_INPUTS = ['dataset', 'version'] as const;

/** Starts the `trigger` workflow with the current data version; a failed start fails the step. */
async function trigger(
  platform: Platform,
  workflow: string,
  found: boolean,
  current: Side,
): Promise<{ started: boolean; failed: boolean }> {
  if (!workflow || !found) return { started: false, failed: false };
  if (!current.version) {
    platform.warning(
      `trigger: ${workflow} not started: the current data is a file, not a data version to train on`,
    );
    return { started: false, failed: false };
  }
  const inputs: Record<(typeof TRIGGER_INPUTS)[number], string> = {
    dataset: current.version.name,
    version: String(current.version.number),
  };
  try {
    const result = await platform.dispatch({ workflow, inputs });
    if (result.status === 'skipped') {
      platform.warning(`trigger: ${workflow} not started: ${result.reason}`);
      return { started: false, failed: false };
    }
    platform.info(
      `trigger: started ${workflow} with dataset=${inputs.dataset} version=${inputs.version}${result.url ? `: ${result.url}` : ''}`,
    );
    return { started: true, failed: false };
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    platform.error(`trigger: ${error.message.split('\n')[0]}`);
    return { started: false, failed: true };
  }
}

function columnsOutput(comparison: Comparison) {
  return comparison.tested.map((r) => ({
    column: r.column,
    kind: r.kind,
    test: r.test,
    statistic: r.statistic,
    pValue: r.pValue,
    adjustedPValue: r.adjustedPValue,
    effectSizes: r.scores,
    drifted: r.drifted,
  }));
}
