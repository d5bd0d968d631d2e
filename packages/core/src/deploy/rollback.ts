import { InputError, McpError } from '../errors';
import type { MetaView } from '../meta';
import { acquire } from './deployment-log';
import { createProvider, type Provider } from './providers';
import {
  checkEnvironment,
  type Deployment,
  type DeploymentPlan,
  deploymentHistory,
  deploymentId,
  deploymentNumbers,
  readEvents,
} from './record';
import {
  checkVersion,
  DEFAULT_WAIT_MS,
  type DeployContext,
  logContext,
  Rollout,
  redactPlan,
  SWITCH_STEP,
  stepPlan,
} from './rollout';

export interface RollbackRequest {
  environment: string;
  /** The version to restore; default: the previous good stable version on record. */
  to?: string;
  reason?: string;
  /** Default: the provider recorded with the environment's last deployment. */
  provider?: Provider;
  /** Header values for a recorded http provider (never recorded themselves). */
  headers?: Record<string, string>;
  /** How long to wait for a rollout in progress to end. Default 10 minutes. */
  waitMs?: number;
  /** The registry stage the caller assigns to `to` once it serves: recorded with the rollback. */
  promoteStage?: string;
}

/**
 * The version a rollback restores by default: the newest version that was promoted in the
 * environment, other than the one serving now and any version a rollback already left (a bad
 * version is not restored by rolling back twice).
 */
export function previousStable(history: readonly Deployment[]): string | undefined {
  const current = history.at(-1)?.stableAfter ?? undefined;
  const left = new Set(
    history.filter((d) => d.kind === 'rollback' && d.outcome === 'rolled-back').map((d) => d.stableVersion),
  );
  for (const deployment of [...history].reverse()) {
    const candidates =
      deployment.kind === 'canary' && deployment.outcome === 'promoted' ? [deployment.version] : [];
    // The stable version an environment's first rollout replaced was good too.
    if (deployment === history[0] && deployment.stableVersion) candidates.push(deployment.stableVersion);
    for (const version of candidates) if (version !== current && !left.has(version)) return version;
  }
  return undefined;
}

/**
 * Puts all of the environment's traffic on `to` (default: the previous good stable version),
 * through the provider of its last deployment unless another is given, and records it as a
 * deployment of kind `rollback`: the `rollback` action. A rollout in progress is waited for; a
 * deployment left by a killed run is rolled back first.
 */
export async function rollback(request: RollbackRequest, context: DeployContext): Promise<Deployment> {
  const environment = checkEnvironment(request.environment);
  if (request.to !== undefined) checkVersion(request.to, 'to');
  const logs = logContext(context);
  await context.meta.fetch();
  const provider =
    request.provider ??
    (await recordedProvider(await context.meta.snapshot(), environment, request, context));
  for (;;) {
    const acquired = await acquire(logs, {
      environment,
      waitMs: request.waitMs ?? DEFAULT_WAIT_MS,
      pollMs: context.pollMs,
      signal: context.signal,
      onInterrupted: (plan) => (plan.kind === 'rollback' ? 'resume' : 'rollback'),
      plan: (number, view) => rollbackPlan(request, provider, context, environment, number, view),
    });
    const run = new Rollout(acquired.log, { provider }, context, logs);
    if (acquired.kind === 'new') {
      await context.onStart?.(acquired.log.plan);
      return run.steps(0);
    }
    const { plan } = acquired.log;
    if (plan.kind === 'rollback') {
      await run.steps(0);
      continue;
    }
    logs.log(
      `${plan.id}: the rollout of ${plan.model}@${plan.version} was interrupted; rolling it back first`,
    );
    const settled = await run.abort('interrupted: the run that owned it stopped before it ended');
    if (settled.outcome === 'failed') {
      throw new McpError(`${plan.id} was interrupted and could not be rolled back: ${settled.outcomeReason}`);
    }
  }
}

async function recordedProvider(
  view: MetaView,
  environment: string,
  request: RollbackRequest,
  context: DeployContext,
): Promise<Provider> {
  const latest = (await deploymentNumbers(view, environment)).at(-1);
  const started = latest === undefined ? undefined : (await readEvents(view, environment, latest))[0];
  if (started?.kind !== 'started') {
    throw new InputError(
      `provider: environment ${environment} has no deployment on mcp-meta to take the provider from; give one`,
      'provider',
    );
  }
  if (JSON.stringify(started.plan.provider).includes('***')) {
    throw new InputError(
      `provider: the provider recorded with ${environment}'s last deployment had credentials redacted (***); give the provider inputs again`,
      'provider',
    );
  }
  return createProvider(started.plan.provider, {
    cwd: context.cwd,
    env: context.env,
    headers: request.headers,
    log: context.log,
  });
}

async function rollbackPlan(
  request: RollbackRequest,
  provider: Provider,
  context: DeployContext,
  environment: string,
  number: number,
  view: MetaView,
): Promise<DeploymentPlan> {
  const history = await deploymentHistory(view, environment);
  const last = history.at(-1);
  if (!last)
    throw new InputError(
      `environment: ${environment} has no deployment on mcp-meta to roll back`,
      'environment',
    );
  const target = request.to ?? previousStable(history);
  if (target === undefined) {
    throw new InputError(
      `to: environment ${environment} has no earlier good version on record (serving ${last.stableAfter ?? 'nothing'}); name the version to restore`,
      'to',
    );
  }
  return redactPlan(
    {
      id: deploymentId(environment, number),
      number,
      kind: 'rollback',
      environment,
      model: last.model,
      version: target,
      stableVersion: last.stableAfter,
      provider: provider.settings,
      analysis: null,
      steps: [stepPlan(SWITCH_STEP)],
      hooks: { beforeStep: null, afterStep: null },
      onInterrupted: 'resume',
      reason: request.reason?.trim() || null,
      promoteStage: request.promoteStage ?? null,
      actor: context.audit.actor,
      runUrl: context.audit.runUrl,
      commit: context.audit.commit,
    },
    context.env,
  );
}
