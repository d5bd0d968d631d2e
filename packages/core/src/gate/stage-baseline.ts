import { InputError, nearNames } from '../errors';
import { MetaBranch } from '../meta';
import type { Metrics } from '../metrics';
import { checkModelName, checkStageName } from '../registry/grammar';
import { readModelVersion } from '../registry/record';
import { buildRegistry } from '../registry/state';
import { RegistryGit } from '../registry/tags';
import { findRun } from '../train/record';

// Reading writes nothing; the git classes ask for an identity because they also write.
const READER = { name: 'mcp', email: 'mcp@localhost' };

export interface StageBaseline {
  metrics: Metrics;
  source: string;
}

/**
 * `stage:<stage>` or `stage:<name>#<stage>` (GTO's way of naming a stage of a model): the metrics
 * of the model version that holds the stage now, from its ModelVersion record on mcp-meta (or its
 * training run's, for a record without metrics). Undefined, with `note` saying why, while no version
 * holds the stage yet (the first model to reach production has no baseline).
 */
export async function loadStageBaseline(
  workspace: string,
  value: string,
  note: (line: string) => void,
  remote = 'origin',
): Promise<StageBaseline | undefined> {
  const spec = value.slice('stage:'.length);
  const hash = spec.lastIndexOf('#');
  const wanted = hash >= 0 ? checkModelName(spec.slice(0, hash), 'baseline') : undefined;
  const stage = checkStageName(spec.slice(hash + 1), 'baseline');
  const registry = buildRegistry(
    await new RegistryGit({ cwd: workspace, remote, tagger: READER }).readTags(),
  );
  if (wanted && !registry.has(wanted)) {
    const near = nearNames(wanted, registry.keys());
    throw new InputError(
      `baseline: the registry has no model "${wanted}"${near.length ? `; did you mean ${near.join(', ')}?` : ''}`,
      'baseline',
    );
  }
  const holders = [...registry.values()].filter((m) => (!wanted || m.name === wanted) && m.stages[stage]);
  if (holders.length === 0) {
    note(`No baseline: no model version is in stage ${stage} yet.`);
    return undefined;
  }
  if (holders.length > 1) {
    const names = holders.map((m) => m.name);
    throw new InputError(
      `baseline: ${names.join(', ')} are all in stage ${stage}; name the model: stage:${names[0]}#${stage}`,
      'baseline',
    );
  }
  const model = holders[0] as (typeof holders)[number];
  const version = model.stages[stage]?.version as string;
  const source = `${model.name} ${version} (stage ${stage})`;
  const meta = new MetaBranch({ cwd: workspace, remote, author: READER });
  await meta.fetch();
  const view = await meta.snapshot();
  const record = await readModelVersion(view, model.name, version);
  if (!record) {
    throw new InputError(
      `baseline: ${source} has no ModelVersion record on mcp-meta (registered without mcp?), so its metrics are unknown`,
      'baseline',
    );
  }
  let numbers = record.metrics;
  if (Object.keys(numbers).length === 0 && record.runId) {
    numbers = (await findRun(view, record.runId))?.metrics ?? {};
  }
  if (Object.keys(numbers).length === 0) {
    throw new InputError(`baseline: ${source} was registered without metrics`, 'baseline');
  }
  return { metrics: new Map(Object.entries(numbers).map(([name, v]) => [name, { value: v }])), source };
}
