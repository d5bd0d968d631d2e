import { InputError } from '../errors';
import type { MetaView } from '../meta';
import { readModelVersion } from '../registry/record';
import { findRun, isRunId, listRuns, runNames } from '../train/record';
import { LineageBuilder, type LineageGraph } from './graph';

type View = Pick<MetaView, 'read' | 'list'>;

/**
 * The lineage of a model version `name@v<semver>` (its run and data, and where it was deployed), a run id (its data, and
 * the run it restored on a cache hit) or a data version `name@v<n>` (the runs that read it).
 */
export async function lineageOf(view: View, subject: string): Promise<LineageGraph> {
  const builder = new LineageBuilder(view);
  if (isRunId(subject)) {
    const run = await findRun(view, subject);
    if (!run) throw new InputError(`subject: no run ${subject} on mcp-meta`, 'subject');
    return builder.build(await builder.addRun(run));
  }
  const model = /^([a-z][a-z0-9/-]*)@(v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$/.exec(subject);
  if (model) {
    const [, name, version] = model as unknown as [string, string, string];
    const record = await readModelVersion(view, name, version);
    if (!record) throw new InputError(`subject: no model version ${subject} on mcp-meta`, 'subject');
    const id = await builder.addModel(record);
    await builder.addDeployments(id, name, version);
    return builder.build(id);
  }
  const data = /^([A-Za-z0-9][A-Za-z0-9._-]*)@v(\d+)$/.exec(subject);
  if (data) {
    const [, name, number] = data as unknown as [string, string, string];
    const id = `data:${name}@${Number(number)}`;
    for (const runName of await runNames(view)) {
      for (const run of await listRuns(view, runName)) {
        if (run.data.some((d) => d.name === name && d.number === Number(number))) await builder.addRun(run);
      }
    }
    const graph = builder.build(id);
    if (!graph.nodes.some((n) => n.id === id)) {
      throw new InputError(`subject: no run read data ${name} v${Number(number)}`, 'subject');
    }
    return graph;
  }
  throw new InputError(
    `subject: "${subject}" is not a model version (name@v1.2.3), a run id (20261129T081500Z-1a2b3c4d) or a data version (name@v3)`,
    'subject',
  );
}
