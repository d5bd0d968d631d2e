import type { AuditContext } from '../audit';
import { InputError, McpError } from '../errors';
import type { MetaBranch, MetaView } from '../meta';
import { redactForRecord } from '../meta/guard';
import { type Clock, systemClock } from './clock';
import { judge, parseConditions } from './conditions';
import { acquire, type DeploymentLog, LeaseLost, type LogContext, newOwner } from './deployment-log';
import type { Provider, ProviderSettings } from './providers';
import {
  checkEnvironment,
  type Deployment,
  type DeploymentPlan,
  deploymentHistory,
  deploymentId,
  type HookRun,
  type Measurement,
  type Outcome,
  type StepPlan,
  summariseValues,
} from './record';
import { runShell, tail } from './shell';
import type { AnalysisSettings, AnalysisSource } from './sources';
import type { Step } from './steps';
import { renderShell, type TemplateValues } from './template';

export interface Hooks {
  /** Runs after a step's weight is set, before its first measurement (a load test, a notice). */
  beforeStep?: string;
  /** Runs after a step's measurements passed, before the next weight (a confirmation gate). */
  afterStep?: string;
  timeoutMs: number;
}

export interface CanaryRequest {
  environment: string;
  model: string;
  version: string;
  /** The version serving now; default: what the environment's last deployment left serving. */
  stableVersion?: string;
  /** The version serving an environment that has no deployment on record yet (the registry's stage). */
  firstStableVersion?: string;
  steps: Step[];
  provider: Provider;
  /** Needed when a step is measured. */
  source?: AnalysisSource;
  hooks?: Hooks;
  /** What to do with a deployment whose run was killed: set its weight to 0, or continue it. */
  onInterrupted?: 'rollback' | 'resume';
  /** How long to wait for another rollout of the environment to end. Default 10 minutes. */
  waitMs?: number;
  /** The registry stage the caller assigns when promoted: recorded, for a later rollback. */
  promoteStage?: string;
}

export interface DeployContext {
  meta: MetaBranch;
  /** Who and where: actor, commit and run URL, written into every record. */
  audit: AuditContext;
  /** Where commands (hooks, set-weight, analysis) run, and their environment. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: (line: string) => void;
  /** Cancels the rollout (the job is being cancelled): traffic goes back to stable. */
  signal?: AbortSignal;
  /** How long a run may stay silent before the next one takes its deployment for dead. Default 2 minutes. */
  leaseMs?: number;
  /** How often a waiting run looks again. Default 5 s. */
  pollMs?: number;
  /**
   * Called once this run owns a deployment, before its first traffic change (to record it with
   * the CI host). It must not throw: traffic does not wait for a bookkeeping failure.
   */
  onStart?: (plan: DeploymentPlan) => Promise<void>;
}

const MODEL = /^[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/;

export function checkModel(model: string): string {
  if (!MODEL.test(model)) {
    throw new InputError(
      `model: ${JSON.stringify(model)} is not a model name (letters, digits, . _ / : -)`,
      'model',
    );
  }
  return model;
}

export function checkVersion(version: string, input = 'version'): string {
  if (!VERSION.test(version)) {
    throw new InputError(
      `${input}: ${JSON.stringify(version)} is not a version (letters, digits, . + _ -)`,
      input,
    );
  }
  return version;
}

export const DEFAULT_LEASE_MS = 120_000;
export const DEFAULT_WAIT_MS = 600_000;

export function logContext(context: DeployContext): LogContext {
  return {
    meta: context.meta,
    audit: context.audit,
    clock: context.clock ?? systemClock,
    leaseMs: context.leaseMs ?? DEFAULT_LEASE_MS,
    owner: newOwner(),
    log: context.log ?? (() => {}),
  };
}

/**
 * Shifts traffic to `version` step by step, judging live measurements between steps, and
 * rolls back on its own: the `deploy-canary` action. One rollout per environment at a time; a
 * deployment left behind by a killed run is rolled back (or resumed) first. Resolves with the
 * Deployment as recorded on mcp-meta; throws `EnvironmentBusy`, `LeaseLost` or `InputError`.
 */
export async function deployCanary(request: CanaryRequest, context: DeployContext): Promise<Deployment> {
  const environment = checkEnvironment(request.environment);
  const model = checkModel(request.model);
  const version = checkVersion(request.version);
  if (request.stableVersion !== undefined) checkVersion(request.stableVersion, 'stable-version');
  checkPlan(request);
  const logs = logContext(context);
  const mode = request.onInterrupted ?? 'rollback';
  for (;;) {
    const acquired = await acquire(logs, {
      environment,
      waitMs: request.waitMs ?? DEFAULT_WAIT_MS,
      pollMs: context.pollMs,
      signal: context.signal,
      onInterrupted: (plan) =>
        plan.kind === 'rollback' || (mode === 'resume' && plan.model === model && plan.version === version)
          ? 'resume'
          : 'rollback',
      plan: (number, view) => canaryPlan(request, context, environment, number, view),
    });
    const run = new Rollout(acquired.log, request, context, logs);
    if (acquired.kind === 'new') {
      await context.onStart?.(acquired.log.plan);
      return run.steps(0);
    }
    const { plan } = acquired.log;
    if (plan.kind === 'rollback') {
      logs.log(
        `${plan.id}: a rollback to ${plan.version} was interrupted; applying it again before this rollout`,
      );
      await new Rollout(acquired.log, { provider: request.provider }, context, logs).steps(0);
      continue;
    }
    if (acquired.action === 'resume') {
      const from = resumeIndex(acquired.log);
      logs.log(
        `${plan.id}: resuming the interrupted rollout of ${plan.version} at step ${from + 1} (${plan.steps[from]?.weight}%)`,
      );
      await context.onStart?.(plan);
      return run.steps(from);
    }
    logs.log(
      `${plan.id}: the rollout of ${plan.model}@${plan.version} was interrupted; rolling it back before this one`,
    );
    const settled = await run.abort('interrupted: the run that owned it stopped before it ended');
    if (settled.outcome === 'failed') {
      throw new McpError(`${plan.id} was interrupted and could not be rolled back: ${settled.outcomeReason}`);
    }
  }
}

function checkPlan(request: CanaryRequest): void {
  if (request.steps.length === 0)
    throw new InputError('steps: no step (expected e.g. 10,25,50,100)', 'steps');
  for (const [i, step] of request.steps.entries()) {
    if (step.count === 0) continue;
    if (!request.source) {
      throw new InputError(
        `analysis: step ${i + 1} (${step.weight}%) is measured, but no analysis source was given`,
        'analysis',
      );
    }
    if (step.success.length === 0 && step.failure.length === 0) {
      throw new InputError(
        `success: step ${i + 1} (${step.weight}%) is measured, but no success or failure condition was given`,
        'success',
      );
    }
  }
}

async function canaryPlan(
  request: CanaryRequest,
  context: DeployContext,
  environment: string,
  number: number,
  view: MetaView,
): Promise<DeploymentPlan> {
  const last = (await deploymentHistory(view, environment)).at(-1);
  const stableVersion =
    request.stableVersion ?? (last ? (last.stableAfter ?? undefined) : request.firstStableVersion);
  const id = deploymentId(environment, number);
  if (stableVersion === undefined) {
    // Nothing serves the environment yet (as Argo Rollouts does with a first revision): the
    // version takes all traffic at once, with no step to judge it against.
    context.log?.(
      `${id}: ${INITIAL_DEPLOYMENT}: ${environment} has no deployment on mcp-meta, no stable-version was given and no registry stage names one; ${request.model}@${request.version} takes 100% of traffic at once, unmeasured`,
    );
    return redactPlan(
      {
        id,
        number,
        kind: 'canary',
        environment,
        model: request.model,
        version: request.version,
        stableVersion: null,
        provider: request.provider.settings,
        analysis: null,
        steps: [stepPlan(SWITCH_STEP)],
        hooks: { beforeStep: null, afterStep: null },
        onInterrupted: request.onInterrupted ?? 'rollback',
        reason: INITIAL_DEPLOYMENT,
        promoteStage: request.promoteStage ?? null,
        actor: context.audit.actor,
        runUrl: context.audit.runUrl,
        commit: context.audit.commit,
      },
      context.env,
    );
  }
  if (stableVersion === request.version) {
    throw new InputError(
      `version: ${request.version} is already the stable version of ${environment}`,
      'version',
    );
  }
  return redactPlan(
    {
      id,
      number,
      kind: 'canary',
      environment,
      model: request.model,
      version: request.version,
      stableVersion,
      provider: request.provider.settings,
      analysis: request.source?.settings ?? null,
      steps: request.steps.map(stepPlan),
      hooks: { beforeStep: request.hooks?.beforeStep ?? null, afterStep: request.hooks?.afterStep ?? null },
      onInterrupted: request.onInterrupted ?? 'rollback',
      reason: null,
      promoteStage: request.promoteStage ?? null,
      actor: context.audit.actor,
      runUrl: context.audit.runUrl,
      commit: context.audit.commit,
    },
    context.env,
  );
}

/** The reason recorded with an environment's first rollout, which has no stable version. */
export const INITIAL_DEPLOYMENT = 'initial deployment: no stable version to compare with';

/** One unmeasured step straight to 100%: a first deployment, and every rollback. */
export const SWITCH_STEP: Step = {
  weight: 100,
  pauseMs: 0,
  count: 0,
  intervalMs: 1000,
  success: [],
  failure: [],
  failureLimit: 0,
  inconclusiveLimit: 0,
};

/**
 * The plan as mcp-meta records it: commands, URLs, bodies and hooks with URL credentials, query
 * values and the values of secret-looking environment variables replaced by `***` (anyone who
 * can read the repository reads the record). The run itself uses the request's own settings.
 */
export function redactPlan(plan: DeploymentPlan, env: NodeJS.ProcessEnv): DeploymentPlan {
  const r = (text: string) => redactForRecord(text, env);
  const p = plan.provider;
  const provider: ProviderSettings =
    p.type === 'command'
      ? { ...p, setWeight: r(p.setWeight) }
      : p.type === 'http'
        ? { ...p, url: r(p.url), body: r(p.body) }
        : { ...p, remote: r(p.remote) };
  const a = plan.analysis;
  const analysis: AnalysisSettings | null =
    a === null
      ? null
      : a.type === 'http'
        ? { ...a, canaryUrl: r(a.canaryUrl), stableUrl: r(a.stableUrl) }
        : a.type === 'prometheus'
          ? { ...a, url: r(a.url) }
          : { ...a, command: r(a.command) };
  const hook = (text: string | null) => (text === null ? null : r(text));
  return {
    ...plan,
    provider,
    analysis,
    hooks: { beforeStep: hook(plan.hooks.beforeStep), afterStep: hook(plan.hooks.afterStep) },
  };
}

export function stepPlan(step: Step): StepPlan {
  return {
    weight: step.weight,
    pauseMs: step.pauseMs,
    count: step.count,
    intervalMs: step.intervalMs,
    success: step.success.map((c) => c.text),
    failure: step.failure.map((c) => c.text),
    failureLimit: step.failureLimit,
    inconclusiveLimit: step.inconclusiveLimit,
  };
}

/** The first step the recorded events do not show as passed. */
function resumeIndex(log: DeploymentLog): number {
  let from = 0;
  for (const event of log.events)
    if (event.kind === 'step' && event.verdict === 'passed') from = Math.max(from, event.step + 1);
  return Math.min(from, log.plan.steps.length - 1);
}

function hookFailure(run: HookRun, timeoutMs: number): string {
  const why = run.exitCode === 124 ? `timed out after ${timeoutMs} ms` : `exited with ${run.exitCode}`;
  return `${run.hook} ${why}${run.output ? `: ${run.output.split('\n').at(-1)}` : ''}`;
}

/** One run of a deployment's steps, from its log's plan. */
export class Rollout {
  private readonly clock: Clock;
  private readonly say: (line: string) => void;

  constructor(
    private readonly log: DeploymentLog,
    private readonly request: Pick<CanaryRequest, 'provider' | 'source' | 'hooks'>,
    private readonly context: Pick<DeployContext, 'cwd' | 'env' | 'signal'>,
    private readonly logs: LogContext,
  ) {
    this.clock = logs.clock;
    this.say = logs.log;
  }

  private values(weight: number, step: number): TemplateValues {
    const { model, version, stableVersion, environment } = this.log.plan;
    return {
      model,
      version,
      stable_version: stableVersion ?? '',
      weight,
      stable_weight: Math.round((100 - weight) * 1e6) / 1e6,
      environment,
      step: step + 1,
    };
  }

  /** Runs the plan's steps from `from`; the Deployment as finished. */
  async steps(from: number): Promise<Deployment> {
    try {
      const { plan } = this.log;
      for (let i = from; i < plan.steps.length; i++) {
        const failed = await this.step(i, plan.steps[i] as StepPlan);
        if (failed) return await this.abort(failed);
      }
      const reason =
        plan.kind === 'rollback'
          ? `${plan.version} serves all of ${plan.environment} again`
          : `every step passed; ${plan.version} serves all of ${plan.environment}`;
      return await this.log.finish(plan.kind === 'rollback' ? 'rolled-back' : 'promoted', reason);
    } catch (error) {
      // A write that keeps failing (mcp-meta unreachable) must not leave the canary half on: traffic
      // goes back to stable first. A lost lease means another run owns traffic now: hands off.
      if (!(error instanceof LeaseLost) && this.log.plan.kind === 'canary') {
        const restored = await this.request.provider.setWeight(this.values(0, 0)).catch(() => undefined);
        this.say(
          `${this.log.plan.id}: stopped by an error; canary weight 0 ${restored?.ok ? 'set' : 'could not be set'}`,
        );
      }
      throw error;
    }
  }

  /**
   * One step; the reason it failed, or undefined when it passed. Its verdict, with what it
   * measured and ran, is queued to go out with the next write (the next weight, or the end).
   */
  private async step(index: number, step: StepPlan): Promise<string | undefined> {
    const { plan } = this.log;
    const where = `step ${index + 1} of ${plan.steps.length} (${step.weight}%)`;
    if (this.context.signal?.aborted) return `cancelled before ${where}`;
    const set = await this.setWeight(step.weight, index);
    if (!set.ok) return `${where}: setting the weight failed: ${set.error}`;
    this.say(`${plan.id}: ${where}: ${plan.version} takes ${step.weight}% of traffic`);
    const measurements: Measurement[] = [];
    const hooks: HookRun[] = [];
    let failures = 0;
    let inconclusive = 0;
    const initial = plan.kind === 'canary' && plan.stableVersion === null;
    const verdict = (failed: string | undefined) => {
      const reason =
        failed ?? (initial ? INITIAL_DEPLOYMENT : `${failures} failed, ${inconclusive} inconclusive`);
      this.log.queue({
        kind: 'step',
        step: index,
        verdict: failed ? 'failed' : 'passed',
        reason,
        measurements,
        hooks,
      });
      return failed;
    };
    const failedCheck = (why: string) =>
      ++failures > step.failureLimit
        ? `${where}: ${failures} failed check${failures === 1 ? '' : 's'}, over failure-limit ${step.failureLimit}; last: ${why}`
        : undefined;
    const hook = async (which: 'before-step' | 'after-step', template: string | undefined) => {
      // An initial deployment has nothing to compare with: no gate or load test runs.
      if (!template || initial) return undefined;
      const run = await this.hook(which, template, index, step.weight);
      hooks.push(run);
      return run.exitCode === 0
        ? undefined
        : failedCheck(hookFailure(run, this.request.hooks?.timeoutMs ?? 0));
    };
    const before = await hook('before-step', this.request.hooks?.beforeStep);
    if (before) return verdict(before);
    const bakeStart = this.clock.now();
    const success = parseConditions(step.success.join('\n'), 'success');
    const failure = parseConditions(step.failure.join('\n'), 'failure');
    for (let n = 1; n <= step.count; n++) {
      await this.waitUntil(bakeStart + step.pauseMs + n * step.intervalMs);
      if (this.context.signal?.aborted) return verdict(`cancelled during ${where}`);
      const source = this.request.source as AnalysisSource;
      await this.log.keepAlive(source.settings.timeoutMs);
      const measured = await source.measure(this.values(step.weight, index));
      const judged = measured.ok
        ? judge(success, failure, measured.values)
        : {
            result: 'inconclusive' as const,
            reason: `the analysis source failed: ${measured.error}`,
            success: [],
            failure: [],
          };
      measurements.push({
        step: index,
        n,
        at: new Date(this.clock.now()).toISOString(),
        result: judged.result,
        reason: judged.reason,
        values: measured.ok
          ? {
              canary: summariseValues(measured.values.canary),
              stable: summariseValues(measured.values.stable),
            }
          : null,
        success: judged.success,
        failure: judged.failure,
      });
      this.say(`${plan.id}: ${where} measurement ${n}/${step.count}: ${judged.result} (${judged.reason})`);
      if (judged.result === 'failure') {
        const over = failedCheck(judged.reason);
        if (over) return verdict(over);
      } else if (judged.result === 'inconclusive' && ++inconclusive > step.inconclusiveLimit) {
        return verdict(
          `${where}: ${inconclusive} inconclusive measurement${inconclusive === 1 ? '' : 's'}, over inconclusive-limit ${step.inconclusiveLimit}; last: ${judged.reason}`,
        );
      }
    }
    // Inconclusive within the limit is tolerated, but a step is not passed on no evidence at all.
    if (step.count > 0 && !measurements.some((m) => m.result === 'success')) {
      return verdict(`${where}: no measurement succeeded (${failures} failed, ${inconclusive} inconclusive)`);
    }
    if (step.count === 0 && step.pauseMs > 0) await this.waitUntil(bakeStart + step.pauseMs);
    return verdict(await hook('after-step', this.request.hooks?.afterStep));
  }

  /** Sleeps until `deadline`, writing a heartbeat whenever half the lease is gone. */
  private async waitUntil(deadline: number): Promise<void> {
    const half = this.logs.leaseMs / 2;
    for (;;) {
      const left = deadline - this.clock.now();
      if (left <= 0 || this.context.signal?.aborted) return;
      const beforeHeartbeat = this.log.leaseLeft() - half;
      if (beforeHeartbeat <= 0) await this.log.heartbeat();
      else await this.clock.sleep(Math.min(left, beforeHeartbeat), this.context.signal);
    }
  }

  private async setWeight(weight: number, step: number | null) {
    await this.log.keepAlive(this.request.provider.settings.timeoutMs);
    const at = new Date(this.clock.now()).toISOString();
    const result = await this.request.provider.setWeight(this.values(weight, step ?? 0));
    await this.log.append({
      kind: 'weight',
      change: {
        step,
        weight,
        at,
        ok: result.ok,
        ms: result.ms,
        ...(result.ok ? (result.detail ? { detail: result.detail } : {}) : { error: result.error }),
      },
    });
    return result;
  }

  /** Runs a hook command with the step's values. */
  private async hook(
    which: 'before-step' | 'after-step',
    template: string,
    step: number,
    weight: number,
  ): Promise<HookRun> {
    const { timeoutMs } = this.request.hooks as Hooks;
    await this.log.keepAlive(timeoutMs);
    const at = new Date(this.clock.now()).toISOString();
    const result = await runShell(renderShell(template, this.values(weight, step)), {
      cwd: this.context.cwd,
      env: this.context.env,
      timeoutMs,
    }).catch((error: Error) => ({
      exitCode: 127,
      stdout: '',
      stderr: error.message,
      timedOut: false,
      ms: 0,
    }));
    // 124, as timeout(1) exits, so a record tells a hook that hung from one that failed.
    const exitCode = result.timedOut ? 124 : result.exitCode;
    return {
      step,
      hook: which,
      at,
      exitCode,
      ms: result.ms,
      output: tail(`${result.stdout}\n${result.stderr}`.trim(), 5, 500),
    };
  }

  /**
   * Traffic back on the stable version at once (tried three times, a second apart, as this is
   * what protects users), then the Deployment finished as rolled back — or failed, when the
   * canary could not be taken out.
   */
  async abort(reason: string): Promise<Deployment> {
    const { plan } = this.log;
    this.say(`${plan.id}: aborting: ${reason}; setting ${plan.version}'s weight to 0`);
    let last: Awaited<ReturnType<Provider['setWeight']>> | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      last = await this.setWeight(0, null);
      if (last.ok) break;
      await this.clock.sleep(1000);
    }
    const outcome: Outcome = last?.ok ? 'rolled-back' : 'failed';
    const why = last?.ok
      ? reason
      : `${reason}; and the canary's weight could not be set to 0: ${last && !last.ok ? last.error : ''}`;
    return this.log.finish(outcome, why);
  }
}
