import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import type { AuditContext } from '../audit';
import { openMeta, realWorkspace } from '../data';
import { InputError } from '../errors';
import type { Platform } from '../platform';
import type { HostDeployment } from '../platform/types';
import {
  assignStage,
  buildRegistry,
  checkModelName,
  checkSemver,
  checkStageName,
  committerIdentity,
  type ModelState,
  RegistryGit,
} from '../registry';
import { checkStagePermission, parseProtectedStages } from '../registry/permission';
import { checkRollbackPermission, parseProtectedEnvironments } from './permission';
import { createProvider, type Provider } from './providers';
import { checkEnvironment, type Deployment, type DeploymentPlan, deploymentHistory } from './record';
import { analysisSettings, parseHeaders, providerSettings, readSteps } from './request';
import { rollback } from './rollback';
import { type DeployContext, deployCanary } from './rollout';
import { createSource } from './sources';
import {
  type DeployCanaryInput,
  type DeployOutput,
  deployCanarySpec,
  type RollbackInput,
  rollbackSpec,
} from './spec';
import { parseDuration } from './steps';
import { outcomeLine, renderDeploymentReport } from './summary';

type Result = ActionResult<DeployOutput>;

/** What the process gives a rollout: the environment its commands inherit, the signals that cancel it. */
export interface DeployProcess {
  env: NodeJS.ProcessEnv;
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export const deployCanaryAction = defineAction({
  spec: deployCanarySpec,
  run: (platform, inputs) => deployCanaryStep(platform, inputs, { env: process.env, signals: process }),
});

export const rollbackAction = defineAction({
  spec: rollbackSpec,
  run: (platform, inputs) => rollbackStep(platform, inputs, { env: process.env, signals: process }),
});

/**
 * deploy-canary: every input checked (and the promotion's permission asked) before traffic
 * moves; the version from the registry; the rollout recorded on mcp-meta and with the CI host;
 * the timeline and charts in the job summary and a report file.
 */
export async function deployCanaryStep(
  platform: Platform,
  inputs: Record<DeployCanaryInput, string>,
  proc: DeployProcess,
): Promise<Result> {
  const model = checkModelName(inputs.model);
  if (inputs.version && inputs.stage)
    throw new InputError('version: give version or stage, not both', 'version');
  if (!inputs.version && !inputs.stage) {
    throw new InputError(
      'version: give the version to roll out (e.g. v1.2.0), or a stage holding it',
      'version',
    );
  }
  const promoteStage = inputs['promote-stage']
    ? checkStageName(inputs['promote-stage'], 'promote-stage')
    : undefined;
  const workspace = await realWorkspace(platform.context.workspace);
  const env = commandEnv(proc.env);
  const headers = secretHeaders(platform, inputs['router-headers'], 'router-headers');
  const provider = createProvider(providerSettings(inputs, platform.context.ref), {
    cwd: workspace,
    env,
    headers,
    log: (line) => platform.info(line),
  });
  const analysis = analysisSettings(inputs);
  const source = analysis
    ? createSource(analysis, {
        cwd: workspace,
        env,
        headers: secretHeaders(platform, inputs['analysis-headers'], 'analysis-headers'),
      })
    : undefined;
  const steps = readSteps(inputs, source !== undefined);
  const hookTimeoutMs = parseDuration(inputs['hook-timeout'] || '5m', 'hook-timeout');
  const waitMs = parseDuration(inputs.wait || '10m', 'wait', true);
  const protectedStages = parseProtectedStages(inputs['protected-stages']);

  const git = await registryGit(platform, workspace, proc.env);
  const registered = buildRegistry(await git.readTags()).get(model);
  const version = resolveVersion(registered, model, inputs.version, inputs.stage);
  const stableVersion = inputs['stable-version']
    ? checkSemver(inputs['stable-version'], 'stable-version')
    : undefined;
  if (promoteStage) {
    const allowed = await checkStagePermission(platform, {
      stage: promoteStage,
      protectedStages,
      subject: `${model}@${version}`,
    });
    if (allowed.role)
      platform.info(`stage ${promoteStage} is protected; ${allowed.actor} has the ${allowed.role} role`);
  }

  // A re-run after a promotion whose stage could not be assigned: the version serves already, so
  // only the stage is missing.
  const last = (await environmentHistory(platform, inputs.environment)).at(-1);
  const serving = stableVersion ?? last?.stableAfter ?? undefined;
  if (
    promoteStage &&
    last?.model === model &&
    serving === version &&
    registered?.stages[promoteStage]?.version !== version
  ) {
    platform.info(
      `${last.id} left ${model} ${version} serving ${last.environment}; only stage ${promoteStage} is missing: assigning it`,
    );
    const promotion = await promote(platform, git, {
      model,
      version,
      stage: promoteStage,
      id: last.id,
      action: 'deploy-canary',
    });
    return withPromotion(
      await report(platform, workspace, last, undefined, promotion.stage, true),
      promotion,
    );
  }

  const host = hostRecorder(platform, inputs['environment-url']);
  const deployment = await cancellable(proc, (signal) =>
    deployCanary(
      {
        environment: inputs.environment,
        model,
        version,
        stableVersion,
        firstStableVersion: promoteStage ? registered?.stages[promoteStage]?.version : undefined,
        steps,
        provider,
        source,
        hooks: {
          beforeStep: inputs['before-step'] || undefined,
          afterStep: inputs['after-step'] || undefined,
          timeoutMs: hookTimeoutMs,
        },
        onInterrupted: inputs['on-interrupted'] === 'resume' ? 'resume' : 'rollback',
        waitMs,
        promoteStage,
      },
      deployContext(platform, workspace, env, signal, host.start),
    ),
  );
  await host.finish(deployment);
  const promotion =
    deployment.outcome === 'promoted' && promoteStage
      ? await promote(platform, git, {
          model,
          version,
          stage: promoteStage,
          id: deployment.id,
          action: 'deploy-canary',
        })
      : undefined;
  return withPromotion(
    await report(
      platform,
      workspace,
      deployment,
      host.url(),
      promotion?.stage,
      deployment.outcome === 'promoted',
    ),
    promotion,
  );
}

interface Promotion {
  /** The stage now held by the version; undefined when it could not be assigned. */
  stage?: string;
  failed: boolean;
}

/**
 * Assigns `stage` to the version that now serves. Traffic has moved already: a failure (the job
 * token cannot push tags) is a warning naming the command that finishes it, and the step fails.
 */
async function promote(
  platform: Platform,
  git: RegistryGit,
  p: { model: string; version: string; stage: string; id: string; action: string },
): Promise<Promotion> {
  try {
    const tag = await assignStage(git, {
      name: p.model,
      stage: p.stage,
      version: p.version,
      message: `${p.action} ${p.id}`,
    });
    platform.info(
      `${tag.tag}: stage ${p.stage} ${tag.created ? 'assigned to' : 'already held by'} ${p.model} ${p.version}`,
    );
    return { stage: p.stage, failed: false };
  } catch (error) {
    platform.warning(
      `${p.model} ${p.version} serves all traffic (${p.id}), but stage ${p.stage} could not be assigned to it: ${(error as Error).message.split('\n')[0]}; finish it with \`mcp promote ${p.model}@${p.version} --stage ${p.stage}\` (or re-run this job)`,
    );
    return { failed: true };
  }
}

/** A step whose stage could not be assigned fails (exit 1), with its report and outputs written. */
function withPromotion(result: Result, promotion: Promotion | undefined): Result {
  return promotion?.failed ? { ...result, exitCode: 1 } : result;
}

async function environmentHistory(platform: Platform, environment: string): Promise<Deployment[]> {
  const meta = openMeta(platform);
  await meta.fetch();
  return deploymentHistory(await meta.snapshot(), checkEnvironment(environment));
}

/**
 * rollback: the actor's role checked first; then 100% on the earlier good version through the
 * provider recorded with the environment's last deployment (or the one given), recorded as a
 * deployment of kind `rollback`.
 */
export async function rollbackStep(
  platform: Platform,
  inputs: Record<RollbackInput, string>,
  proc: DeployProcess,
): Promise<Result> {
  const protectedEnvironments = parseProtectedEnvironments(inputs['protected-environments']);
  const workspace = await realWorkspace(platform.context.workspace);
  const env = commandEnv(proc.env);
  const headers = secretHeaders(platform, inputs['router-headers'], 'router-headers');
  const runtime = { cwd: workspace, env, headers, log: (line: string) => platform.info(line) };
  const provider: Provider | undefined = inputs.provider
    ? createProvider(providerSettings(inputs, platform.context.ref), runtime)
    : undefined;
  const waitMs = parseDuration(inputs.wait || '10m', 'wait', true);
  const allowed = await checkRollbackPermission(platform, {
    environment: inputs.environment,
    protectedEnvironments,
  });
  if (allowed.role)
    platform.info(`rollback of ${inputs.environment}: ${allowed.actor} has the ${allowed.role} role`);
  const protectedStages = parseProtectedStages(inputs['protected-stages']);
  const last = (await environmentHistory(platform, inputs.environment)).at(-1);
  const stage = inputs.stage ? checkStageName(inputs.stage, 'stage') : (last?.promoteStage ?? undefined);
  if (stage) {
    const stageAllowed = await checkStagePermission(platform, {
      stage,
      protectedStages,
      subject: `${last?.model ?? 'the model'}@${inputs.to || 'the previous stable version'}`,
    });
    if (stageAllowed.role)
      platform.info(`stage ${stage} is protected; ${stageAllowed.actor} has the ${stageAllowed.role} role`);
  }
  const host = hostRecorder(platform, inputs['environment-url']);
  const deployment = await cancellable(proc, (signal) =>
    rollback(
      {
        environment: inputs.environment,
        to: inputs.to ? checkSemver(inputs.to, 'to') : undefined,
        reason: inputs.reason,
        provider,
        headers,
        waitMs,
        promoteStage: stage,
      },
      deployContext(platform, workspace, env, signal, host.start),
    ),
  );
  await host.finish(deployment);
  const promotion =
    deployment.outcome === 'rolled-back' && stage
      ? await promote(platform, await registryGit(platform, workspace, proc.env), {
          model: deployment.model,
          version: deployment.version,
          stage,
          id: deployment.id,
          action: 'rollback',
        })
      : undefined;
  return withPromotion(
    await report(
      platform,
      workspace,
      deployment,
      host.url(),
      promotion?.stage,
      deployment.outcome === 'rolled-back',
    ),
    promotion,
  );
}

/** The version asked for, as the registry knows it: `version` (registered and active) or the holder of `stage`. */
function resolveVersion(
  registered: ModelState | undefined,
  model: string,
  version: string,
  stage: string,
): string {
  if (!registered) {
    throw new InputError(
      `model: the registry has no model ${model} (no tag ${model}@v…); register a version first (register-model)`,
      'model',
    );
  }
  if (stage) {
    const holder = registered.stages[checkStageName(stage, 'stage')];
    if (!holder) {
      const held = Object.keys(registered.stages);
      throw new InputError(
        `stage: no version of ${model} is in stage ${stage}${held.length ? ` (stages: ${held.join(', ')})` : ''}`,
        'stage',
      );
    }
    return holder.version;
  }
  const wanted = checkSemver(version);
  const found = registered.versions.find((v) => v.version === wanted && v.registered);
  if (!found?.active) {
    const latest = registered.latest ? `; the latest is ${registered.latest}` : '';
    throw new InputError(
      `version: ${model} ${wanted} is ${found ? 'deregistered' : 'not registered'}${latest}`,
      'version',
    );
  }
  return wanted;
}

async function registryGit(
  platform: Platform,
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<RegistryGit> {
  const tagger = (await committerIdentity(workspace, env)) ?? {
    name: platform.context.actor || 'mcp',
    email: 'mcp@users.noreply.github.com',
  };
  return new RegistryGit({ cwd: workspace, tagger, env, log: (line) => platform.info(line) });
}

/** The environment commands inherit: the process's, without the action's own inputs. */
function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!name.startsWith('INPUT_')) out[name] = value;
  return out;
}

function secretHeaders(platform: Platform, text: string, input: string): Record<string, string> {
  const headers = parseHeaders(text, input);
  for (const value of Object.values(headers)) platform.mask(value);
  return headers;
}

function deployContext(
  platform: Platform,
  workspace: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  onStart: (plan: DeploymentPlan) => Promise<void>,
): DeployContext {
  const audit: AuditContext = {
    actor: platform.context.actor ?? 'unknown',
    commit: platform.context.sha ?? null,
    runUrl: platform.context.runUrl ?? null,
  };
  return {
    meta: openMeta(platform),
    audit,
    cwd: workspace,
    env,
    log: (line) => platform.info(line),
    signal,
    onStart,
  };
}

/** Runs with an AbortSignal that the runner's cancel (SIGINT/SIGTERM) fires: traffic then goes back to stable. */
async function cancellable<T>(proc: DeployProcess, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  proc.signals?.on('SIGINT', cancel);
  proc.signals?.on('SIGTERM', cancel);
  try {
    return await run(controller.signal);
  } finally {
    proc.signals?.off('SIGINT', cancel);
    proc.signals?.off('SIGTERM', cancel);
  }
}

/**
 * The deployment as the CI host records it (GitHub Deployments, a GitLab environment). A failure
 * there is a warning: traffic and the record on mcp-meta do not depend on it.
 */
function hostRecorder(platform: Platform, environmentUrl: string) {
  const host = platform.deployments;
  let started: HostDeployment | undefined;
  const logUrl = platform.context.runUrl;
  const warn = (what: string, error: unknown) =>
    platform.warning(`${what} on ${platform.name}: ${(error as Error).message.split('\n')[0]}`);
  return {
    start: async (plan: DeploymentPlan) => {
      if (!host || started) return;
      const sha = platform.context.sha;
      if (!sha) return platform.info('no commit id for the host’s deployment record; it is on mcp-meta only');
      const description =
        plan.kind === 'rollback'
          ? `rollback to ${plan.model}@${plan.version} (${plan.id})`
          : `canary ${plan.model}@${plan.version} over ${plan.stableVersion ?? 'nothing'} (${plan.id})`;
      try {
        started = await host.start({
          environment: plan.environment,
          sha,
          ref: platform.context.ref?.replace(/^refs\/(heads|tags)\//, ''),
          description,
          payload: {
            deployment: plan.id,
            kind: plan.kind,
            model: plan.model,
            version: plan.version,
            stable_version: plan.stableVersion,
          },
          environmentUrl: environmentUrl || undefined,
          logUrl,
        });
        if (started.warning) platform.warning(`${started.warning} on ${platform.name}`);
      } catch (error) {
        warn('the deployment could not be recorded', error);
      }
    },
    finish: async (deployment: Deployment) => {
      if (!host || !started) return;
      const succeeded =
        deployment.kind === 'rollback'
          ? deployment.outcome === 'rolled-back'
          : deployment.outcome === 'promoted';
      try {
        await host.update(started, {
          state: succeeded ? 'success' : 'failure',
          description: outcomeLine(deployment),
          environmentUrl: environmentUrl || undefined,
          logUrl,
        });
      } catch (error) {
        warn('the deployment’s status could not be recorded', error);
      }
    },
    url: () => started?.url,
  };
}

async function report(
  platform: Platform,
  workspace: string,
  deployment: Deployment,
  hostUrl: string | undefined,
  promotedStage: string | undefined,
  succeeded: boolean,
): Promise<Result> {
  const markdown = renderDeploymentReport({ deployment, hostUrl, promotedStage });
  const path = join(workspace, '.mcp', 'reports', `deploy-${deployment.environment}-${deployment.number}.md`);
  await mkdir(join(workspace, '.mcp', 'reports'), { recursive: true });
  await writeFile(path, markdown);
  await platform.appendSummary(markdown);
  const line = outcomeLine(deployment);
  if (succeeded) platform.info(line);
  else platform.error(line);
  return {
    outputs: {
      outcome: deployment.outcome,
      'deployment-id': deployment.id,
      'stable-version': deployment.stableAfter ?? '',
      report: relative(workspace, path),
    },
    exitCode: succeeded ? 0 : 1,
  };
}
