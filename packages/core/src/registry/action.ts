import { arch, platform as osName } from 'node:os';
import { type ActionResult, defineAction } from '../action';
import type { AuditContext } from '../audit';
import { openMeta, realWorkspace } from '../data';
import { InputError } from '../errors';
import type { Direction } from '../gate';
import { formatLineageMermaid, LineageBuilder } from '../lineage/graph';
import type { MetaView } from '../meta';
import { loadMetricsFile } from '../metrics';
import type { Platform } from '../platform';
import { renderModelCard } from './card';
import { checkModelName, checkStageName } from './grammar';
import { checkStagePermission, parseProtectedStages } from './permission';
import type { ModelData, ModelVersion } from './record';
import { registerModel } from './register';
import { publishModelRelease, type ReleasedFile } from './release';
import { checkBump, checkSemver } from './semver';
import { bestRun, filesFromPaths, filesFromRun, type ModelSource, runById } from './sources';
import { type RegisterModelInput, type RegisterModelOutput, registerModelSpec } from './spec';
import { committerIdentity, RegistryGit } from './tags';
import { assignStage } from './write';

type Inputs = Record<RegisterModelInput, string>;
type Result = ActionResult<RegisterModelOutput>;

export const registerModelAction = defineAction({
  spec: registerModelSpec,
  // git's identity and credentials come from the process's environment.
  run: (platform, inputs) => registerModelStep(platform, inputs, process.env),
});

/** The inputs `dispatch` starts its workflow with (GitHub: `workflow_dispatch` inputs). */
export const DISPATCH_INPUTS = ['model', 'version'] as const;

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * register-model: every input checked and the stage's permission asked before anything is
 * written; then the tag (which settles the version), the release with the files and the card,
 * the ModelVersion record with its audit event, the stage tag, and the dispatch.
 */
export async function registerModelStep(
  platform: Platform,
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
): Promise<Result> {
  const name = checkModelName(inputs.name);
  const sources = [inputs['run-id'] && 'run-id', inputs['best-of'] && 'best-of'].filter(Boolean);
  if (sources.length > 1) throw new InputError('run-id: give run-id or best-of, not both', 'run-id');
  if (sources.length === 0 && !inputs.path) {
    throw new InputError(
      'path: give the model files (path), a training run (run-id) or a sweep (best-of)',
      'path',
    );
  }
  if (inputs['best-of'] && !inputs.metric) {
    throw new InputError('metric: best-of ranks runs by a metric; give it (e.g. f1)', 'metric');
  }
  if (inputs.metrics && sources.length > 0) {
    throw new InputError('metrics: a run brings its own metrics; give metrics only with path', 'metrics');
  }
  const version = inputs.version ? checkSemver(inputs.version) : undefined;
  const bump = checkBump(inputs.bump || 'patch');
  const stage = inputs.stage ? checkStageName(inputs.stage) : undefined;
  const protectedStages = parseProtectedStages(inputs['protected-stages']);
  const labels = inputs.labels
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);
  const workspace = await realWorkspace(platform.context.workspace);
  const metrics = inputs.metrics
    ? Object.fromEntries(
        [
          ...(await loadMetricsFile(`${workspace}/${inputs.metrics}`, {
            input: 'metrics',
            source: inputs.metrics,
          })),
        ].map(([metric, value]) => [metric, value.value]),
      )
    : undefined;
  if (stage) {
    const allowed = await checkStagePermission(platform, {
      stage,
      protectedStages,
      subject: `${name}@${version ?? 'latest'}`,
    });
    if (allowed.role)
      platform.info(`stage ${stage} is protected; ${allowed.actor} has the ${allowed.role} role`);
  }

  const meta = openMeta(platform);
  await meta.fetch();
  const view = await meta.snapshot();
  const tagger = (await committerIdentity(workspace, env)) ?? {
    name: platform.context.actor || 'mcp',
    email: 'mcp@users.noreply.github.com',
  };
  const git = new RegistryGit({
    cwd: workspace,
    tagger,
    env,
    log: (line) => platform.info(line),
    secrets: inputs.token ? [inputs.token] : [],
  });
  const head = await git.resolveCommit('HEAD', 'path');
  const source = await platform.group('Model files', () =>
    modelSource(platform, workspace, view, inputs, head),
  );
  if (source.why) platform.info(source.why);
  const run = source.run;
  if (run?.dirty)
    platform.warning(
      `run ${run.id} ran with uncommitted changes; the tag is on its commit ${run.commit?.slice(0, 12)}`,
    );
  const commit = run?.commit ? await git.resolveCommit(run.commit, 'run-id') : head;

  const context: AuditContext = {
    actor: platform.context.actor ?? 'unknown',
    commit: platform.context.sha ?? head,
    runUrl: platform.context.runUrl ?? null,
  };
  const data: ModelData[] = (run?.data ?? []).map(({ name: n, number, digest }) => ({
    name: n,
    number,
    digest,
  }));
  let files: ReleasedFile[] = source.files.map(({ path, size, sha256 }) => ({
    path,
    size,
    sha256,
    name: path,
    url: '',
  }));
  let releaseUrl = '';
  let card = '';
  const registered = await registerModel(git, meta, context, {
    name,
    commit,
    files: source.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
    version,
    bump,
    runId: run?.id ?? null,
    data,
    metrics: run?.metrics ?? metrics ?? {},
    description: inputs.description,
    labels,
    beforeRecord: async (tag, record) => {
      platform.info(
        `${tag.tag} ${tag.created ? 'created' : 'already registered these files'} on ${tag.commit.slice(0, 12)}`,
      );
      const lineage = await lineageOf(view, record);
      const cardOf = (released: readonly ReleasedFile[]) =>
        renderModelCard({
          record,
          run,
          files: released,
          lineage,
          environment: run ? undefined : { os: osName(), arch: arch(), versions: { node: process.version } },
        });
      const host = platform.releases;
      if (!host) {
        platform.info(
          'no release host here (a local run): the version is its tag and record; the files stay where they are',
        );
        card = cardOf(files);
        return;
      }
      const published = await platform.group(`Release ${tag.tag}`, () =>
        publishModelRelease(host, {
          tag: tag.tag,
          title: `${name} ${tag.version}`,
          commit: tag.commit,
          files: source.files,
          notes: (released) => cardOf(released),
          log: (line) => platform.info(line),
        }),
      );
      files = published.files;
      releaseUrl = published.url;
      card = cardOf(files);
    },
  });
  for (const warning of registered.warnings) platform.warning(warning);

  if (stage) {
    const assigned = await assignStage(git, { name, stage, version: registered.version });
    for (const warning of assigned.warnings) platform.warning(warning);
    platform.info(
      assigned.created
        ? `${assigned.tag}: stage ${stage} assigned to ${name} ${registered.version}`
        : `${name} ${registered.version} is already in stage ${stage}`,
    );
  }
  if (inputs.dispatch) {
    const started = await platform.dispatch({
      workflow: inputs.dispatch,
      inputs: { model: name, version: registered.version } satisfies Record<
        (typeof DISPATCH_INPUTS)[number],
        string
      >,
    });
    if (started.status === 'dispatched') {
      platform.info(
        `started ${inputs.dispatch} with model=${name} version=${registered.version}${started.url ? `: ${started.url}` : ''}`,
      );
    } else {
      platform.warning(`dispatch ${inputs.dispatch} skipped: ${started.reason}`);
    }
  }
  await platform.appendSummary(card);
  platform.info(
    `${registered.tag}: ${registered.created ? 'registered' : 'already registered (same files), nothing new'}${releaseUrl ? `; ${releaseUrl}` : ''}`,
  );
  return {
    outputs: {
      version: registered.version,
      tag: registered.tag,
      'release-url': releaseUrl,
      assets: JSON.stringify(files),
      created: String(registered.created),
    },
    exitCode: 0,
  };
}

async function modelSource(
  platform: Platform,
  workspace: string,
  view: MetaView,
  inputs: Inputs,
  head: string,
): Promise<ModelSource> {
  const paths = lines(inputs.path);
  if (inputs['run-id']) {
    const run = await runById(view, inputs['run-id']);
    return { run, files: await filesFromRun(platform, run, paths, inputs.store) };
  }
  if (inputs['best-of']) {
    const { run, why } = await bestRun(view, {
      name: inputs['best-of'],
      metric: inputs.metric,
      direction: (inputs.direction || undefined) as Direction | undefined,
      commit: head,
    });
    return { run, why, files: await filesFromRun(platform, run, paths, inputs.store) };
  }
  return { files: await filesFromPaths(workspace, paths) };
}

async function lineageOf(view: MetaView, record: ModelVersion): Promise<string | undefined> {
  if (!record.runId && record.data.length === 0) return undefined;
  const builder = new LineageBuilder(view);
  return formatLineageMermaid(builder.build(await builder.addModel(record)));
}
