import { findDataVersion } from '../data/record';
import { DEPLOYMENTS_DIR, deploymentHistory } from '../deploy/record';
import { formatBytes } from '../markdown';
import type { MetaView } from '../meta';
import type { ModelVersion } from '../registry/record';
import { findRun, type RunRecord } from '../train/record';

export type LineageKind = 'data' | 'run' | 'model' | 'deployment';

export interface LineageNode {
  /** Unique in the graph: `data:train@3`, `run:<id>`, `model:weather@v0.0.3`. */
  id: string;
  kind: LineageKind;
  /** Short name: `train v3`, the run id, `weather@v0.0.3`. */
  label: string;
  /** One line of facts: digest, commit, exit code, metrics. */
  detail: string;
}

export interface LineageGraph {
  /** The node asked about. */
  subject: string;
  nodes: LineageNode[];
  /** `[from, to]`: data → run, run → run (restored from), run → model, model → deployment. */
  edges: [string, string][];
}

type View = Pick<MetaView, 'read' | 'list'>;

/** Pieces of the graph each record kind adds; models and deployments join as they are recorded. */
export class LineageBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, [string, string]>();

  constructor(private readonly view: View) {}

  node(node: LineageNode): string {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
    return node.id;
  }

  edge(from: string, to: string): void {
    this.edges.set(`${from}\0${to}`, [from, to]);
  }

  /** The model version, the run it came from (or, registered from files, the data it names). */
  async addModel(model: ModelVersion): Promise<string> {
    const id = this.node({
      id: `model:${model.tag}`,
      kind: 'model',
      label: model.tag,
      detail: [
        `sha256:${model.digest.slice(0, 12)}`,
        `${model.files.length} files`,
        `commit ${model.commit.slice(0, 7)}`,
        model.createdAt.slice(0, 10),
      ].join(', '),
    });
    const run = model.runId ? await findRun(this.view, model.runId) : undefined;
    if (run) {
      this.edge(await this.addRun(run), id);
    } else {
      for (const data of model.data) this.edge(await this.addData(data), id);
    }
    return id;
  }

  /**
   * The deployments of a model version in every environment, each with its outcome and time: a
   * canary of it, or a rollback to it.
   */
  async addDeployments(modelId: string, name: string, version: string): Promise<void> {
    for (const environment of await this.view.list(DEPLOYMENTS_DIR)) {
      for (const d of await deploymentHistory(this.view, environment)) {
        if (d.model !== name || d.version !== version) continue;
        const id = this.node({
          id: `deployment:${d.id}`,
          kind: 'deployment',
          label: d.id,
          detail: [
            d.kind === 'rollback' ? 'rollback to it' : `canary over ${d.stableVersion ?? 'nothing'}`,
            d.outcome,
            `${d.finishedAt.slice(0, 16).replace('T', ' ')}Z`,
            `by ${d.actor}`,
          ].join(', '),
        });
        this.edge(modelId, id);
      }
    }
  }

  /** The run, the data it read and, for a cache hit, the run whose outputs it restored. */
  async addRun(run: RunRecord, depth = 0): Promise<string> {
    const id = this.node(runNode(run));
    for (const data of run.data) this.edge(await this.addData(data), id);
    // A chain of cache hits is short in practice; the bound keeps a corrupt loop finite.
    if (run.cachedFrom && depth < 16) {
      const origin = await findRun(this.view, run.cachedFrom);
      if (origin) this.edge(await this.addRun(origin, depth + 1), id);
    }
    return id;
  }

  private async addData(data: { name: string; number: number; digest: string }): Promise<string> {
    const record = await findDataVersion(this.view, data.name, data.digest).catch(() => undefined);
    return this.node({
      id: `data:${data.name}@${data.number}`,
      kind: 'data',
      label: `${data.name} v${data.number}`,
      detail: [
        `sha256:${data.digest.slice(0, 12)}`,
        record ? `${record.files.length} files, ${formatBytes(record.bytes)}` : 'record not found',
        record ? record.createdAt.slice(0, 10) : '',
      ]
        .filter(Boolean)
        .join(', '),
    });
  }

  build(subject: string): LineageGraph {
    return { subject, nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
  }
}

function runNode(run: RunRecord): LineageNode {
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  const metrics = Object.entries(run.metrics)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`);
  return {
    id: `run:${run.id}`,
    kind: 'run',
    label: `run ${run.id}`,
    detail: [
      run.name,
      run.commit ? `commit ${run.commit.slice(0, 7)}${run.dirty ? ' (dirty)' : ''}` : 'no commit',
      `exit ${run.exitCode}`,
      Number.isFinite(seconds) ? `${seconds.toFixed(1)} s` : '',
      run.cachedFrom ? 'cache hit' : '',
      ...metrics,
    ]
      .filter(Boolean)
      .join(', '),
  };
}

const ORDER: LineageKind[] = ['data', 'run', 'model', 'deployment'];

/** Sources first, then each node with the nodes it came from: readable top to bottom. */
export function formatLineageText(graph: LineageGraph): string {
  const sorted = sortNodes(graph);
  const width = Math.max(...sorted.map((n) => n.label.length));
  const lines = [`Lineage of ${graph.nodes.find((n) => n.id === graph.subject)?.label ?? graph.subject}`, ''];
  for (const node of sorted) {
    const marker = node.id === graph.subject ? '*' : ' ';
    lines.push(`${marker} ${node.kind.padEnd(10)} ${node.label.padEnd(width)}  ${node.detail}`);
    const from = graph.edges.filter(([, to]) => to === node.id).map(([f]) => labelOf(graph, f));
    if (from.length > 0) lines.push(`  ${' '.repeat(10)} ← ${from.join(', ')}`);
  }
  return lines.join('\n');
}

/** The graph for a job summary or PR comment (GitHub and GitLab render Mermaid blocks). */
export function formatLineageMermaid(graph: LineageGraph): string {
  const ids = new Map(sortNodes(graph).map((n, i) => [n.id, `n${i}`]));
  const lines = ['```mermaid', 'graph LR'];
  for (const node of sortNodes(graph)) {
    const text = mermaidText(`${node.kind}: ${node.label}`);
    const shape =
      node.kind === 'data'
        ? `[("${text}")]`
        : node.kind === 'model'
          ? `{{"${text}"}}`
          : node.kind === 'deployment'
            ? `>"${text}"]`
            : `["${text}"]`;
    lines.push(`  ${ids.get(node.id)}${shape}`);
  }
  for (const [from, to] of graph.edges) lines.push(`  ${ids.get(from)} --> ${ids.get(to)}`);
  if (ids.has(graph.subject)) lines.push(`  style ${ids.get(graph.subject)} stroke-width:3px`);
  lines.push('```');
  return lines.join('\n');
}

function sortNodes(graph: LineageGraph): LineageNode[] {
  return [...graph.nodes].sort(
    (a, b) =>
      ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
}

function labelOf(graph: LineageGraph, id: string): string {
  return graph.nodes.find((n) => n.id === id)?.label ?? id;
}

/** Mermaid labels in quotes take entity codes; quotes, brackets and markup must not break out. */
function mermaidText(text: string): string {
  return text.replace(/["#<>`[\]{}|]/g, (c) => `#${c.charCodeAt(0)};`);
}
