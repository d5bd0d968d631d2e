import { z } from 'zod';
import { InputError, McpError } from '../errors';
import { type MetaView, parseRecord } from '../meta';
import { ProviderSettings } from './providers';
import { AnalysisSettings } from './sources';

/**
 * Records of a deployment on mcp-meta, where files are create-only. Each deployment of an
 * environment is a numbered directory; its progress is an append-only log of events, and its
 * final record is written once, when it ends:
 *
 *   deployments/<environment>/<number>/events/<seq>.json   start, weights, steps (with their measurements)…
 *   deployments/<environment>/<number>/deployment.json     the Deployment, when it has ended
 *
 * The newest number of an environment without a `deployment.json` is the rollout in progress:
 * that is the environment's lock. Its last event names the run that owns it and until when
 * (`leaseUntil`); a run that stops writing past that time was killed, and the next run takes
 * the deployment over.
 */
export const DEPLOYMENTS_DIR = 'deployments';

const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkEnvironment(environment: string, input = 'environment'): string {
  if (!ENVIRONMENT.test(environment) || environment.includes('..')) {
    throw new InputError(
      `${input}: ${JSON.stringify(environment)} is not an environment name (letters, digits, ., _ and -, at most 100)`,
      input,
    );
  }
  return environment;
}

const pad = (n: number) => String(n).padStart(6, '0');

export function deploymentDir(environment: string, number: number): string {
  return `${DEPLOYMENTS_DIR}/${environment}/${pad(number)}`;
}

export function deploymentPath(environment: string, number: number): string {
  return `${deploymentDir(environment, number)}/deployment.json`;
}

export function eventPath(environment: string, number: number, seq: number): string {
  return `${deploymentDir(environment, number)}/events/${pad(seq)}.json`;
}

export function deploymentId(environment: string, number: number): string {
  return `${environment}/${number}`;
}

export const Outcome = z.enum(['promoted', 'rolled-back', 'failed']);
export type Outcome = z.infer<typeof Outcome>;

const Time = z.string().datetime();

export const StepPlan = z.object({
  weight: z.number().positive().max(100),
  pauseMs: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  success: z.array(z.string()),
  failure: z.array(z.string()),
  failureLimit: z.number().int().nonnegative(),
  inconclusiveLimit: z.number().int().nonnegative(),
});
export type StepPlan = z.infer<typeof StepPlan>;

/** What a deployment sets out to do: written first, and what a resumed run continues. */
export const DeploymentPlan = z.object({
  id: z.string(),
  number: z.number().int().positive(),
  /** A canary rollout, or a `rollback` (one step: 100% on the target). */
  kind: z.enum(['canary', 'rollback']),
  environment: z.string(),
  model: z.string(),
  version: z.string(),
  /** The version serving the rest of the traffic; null for an environment's first deployment. */
  stableVersion: z.string().nullable(),
  provider: ProviderSettings,
  analysis: AnalysisSettings.nullable(),
  steps: z.array(StepPlan),
  hooks: z.object({ beforeStep: z.string().nullable(), afterStep: z.string().nullable() }),
  onInterrupted: z.enum(['rollback', 'resume']),
  /** Why (a rollback's `reason`). */
  reason: z.string().nullable(),
  /** The registry stage assigned to the version when it succeeds (promote-stage, rollback's stage). */
  promoteStage: z.string().nullable().optional(),
  actor: z.string(),
  runUrl: z.string().nullable(),
  commit: z.string().nullable(),
});
export type DeploymentPlan = z.infer<typeof DeploymentPlan>;

const Check = z.object({
  condition: z.string(),
  line: z.number().int(),
  left: z.number().optional(),
  right: z.number().optional(),
  holds: z.boolean().optional(),
  error: z.string().optional(),
});

export const Measurement = z.object({
  step: z.number().int().nonnegative(),
  n: z.number().int().positive(),
  at: Time,
  result: z.enum(['success', 'failure', 'inconclusive']),
  reason: z.string(),
  /** The values measured (lists of predictions summarised by their length). */
  values: z
    .object({ canary: z.record(z.string(), z.unknown()), stable: z.record(z.string(), z.unknown()) })
    .nullable(),
  success: z.array(Check),
  failure: z.array(Check),
});
export type Measurement = z.infer<typeof Measurement>;

export const HookRun = z.object({
  step: z.number().int().nonnegative(),
  hook: z.enum(['before-step', 'after-step']),
  at: Time,
  exitCode: z.number().int(),
  ms: z.number().int().nonnegative(),
  /** The last lines it printed. */
  output: z.string(),
});
export type HookRun = z.infer<typeof HookRun>;

export const WeightChange = z.object({
  /** The step it was for; null for a rollback to 0 or the handling of an interrupted run. */
  step: z.number().int().nonnegative().nullable(),
  weight: z.number().min(0).max(100),
  at: Time,
  ok: z.boolean(),
  ms: z.number().int().nonnegative(),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type WeightChange = z.infer<typeof WeightChange>;

const EventBase = {
  schemaVersion: z.literal(1),
  seq: z.number().int().positive(),
  at: Time,
  /** The run that owns the deployment (a random id per run). */
  owner: z.string(),
  /** The owner writes again before this time, or is taken to be gone. */
  leaseUntil: Time,
};

export const DeploymentEvent = z.discriminatedUnion('kind', [
  z.object({ ...EventBase, kind: z.literal('started'), plan: DeploymentPlan }),
  z.object({ ...EventBase, kind: z.literal('weight'), change: WeightChange }),
  z.object({
    ...EventBase,
    kind: z.literal('step'),
    step: z.number().int().nonnegative(),
    verdict: z.enum(['passed', 'failed']),
    reason: z.string(),
    /** What the step measured and ran, in order (written with its verdict: one commit per step). */
    measurements: z.array(Measurement),
    hooks: z.array(HookRun),
  }),
  z.object({ ...EventBase, kind: z.literal('heartbeat') }),
  z.object({
    ...EventBase,
    kind: z.literal('takeover'),
    /** The run whose lease ran out. */
    previousOwner: z.string(),
    action: z.enum(['resume', 'rollback']),
    runUrl: z.string().nullable(),
  }),
  z.object({ ...EventBase, kind: z.literal('finished'), outcome: Outcome, reason: z.string() }),
]);
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;
export type EventKind = DeploymentEvent['kind'];

export const StepRecord = StepPlan.extend({
  startedAt: Time.nullable(),
  finishedAt: Time.nullable(),
  verdict: z.enum(['passed', 'failed', 'interrupted', 'not-reached']),
  reason: z.string().nullable(),
  measurements: z.array(Measurement),
  hooks: z.array(HookRun),
});
export type StepRecord = z.infer<typeof StepRecord>;

/** A deployment as it ended: its plan, every step with its measurements and verdict, the outcome. */
export const Deployment = DeploymentPlan.omit({ steps: true }).extend({
  schemaVersion: z.literal(1),
  steps: z.array(StepRecord),
  /** Every traffic change, in order: the steps', the abort's, the handling of an interruption. */
  weights: z.array(WeightChange),
  interruptions: z.array(
    z.object({ at: Time, action: z.enum(['resume', 'rollback']), runUrl: z.string().nullable() }),
  ),
  outcome: Outcome,
  outcomeReason: z.string(),
  /** The version serving all traffic afterwards (the canary when promoted, else the stable one). */
  stableAfter: z.string().nullable(),
  startedAt: Time,
  finishedAt: Time,
});
export type Deployment = z.infer<typeof Deployment>;

/** The Deployment the events tell of; `finished` must be the last event. */
export function assemble(events: readonly DeploymentEvent[]): Deployment {
  const [first] = events;
  const last = events.at(-1);
  if (first?.kind !== 'started' || last?.kind !== 'finished') {
    throw new McpError('a deployment record needs its started and finished events');
  }
  const { plan } = first;
  const steps: StepRecord[] = plan.steps.map((step) => ({
    ...step,
    startedAt: null,
    finishedAt: null,
    verdict: 'not-reached',
    reason: null,
    measurements: [],
    hooks: [],
  }));
  const weights: WeightChange[] = [];
  const interruptions: Deployment['interruptions'] = [];
  for (const event of events) {
    if (event.kind === 'weight') {
      weights.push(event.change);
      const step = event.change.step === null ? undefined : steps[event.change.step];
      if (step) {
        step.startedAt ??= event.change.at;
        if (step.verdict === 'not-reached') step.verdict = 'interrupted';
      }
    } else if (event.kind === 'step') {
      const step = steps[event.step];
      if (step) {
        Object.assign(step, { verdict: event.verdict, reason: event.reason, finishedAt: event.at });
        step.measurements.push(...event.measurements);
        step.hooks.push(...event.hooks);
      }
    } else if (event.kind === 'takeover') {
      interruptions.push({ at: event.at, action: event.action, runUrl: event.runUrl });
    }
  }
  const outcome = last.outcome;
  const stableAfter =
    outcome === 'failed'
      ? plan.stableVersion
      : plan.kind === 'canary'
        ? outcome === 'promoted'
          ? plan.version
          : plan.stableVersion
        : plan.version;
  const { steps: _, ...rest } = plan;
  return Deployment.parse({
    schemaVersion: 1,
    ...rest,
    steps,
    weights,
    interruptions,
    outcome,
    outcomeReason: last.reason,
    stableAfter,
    startedAt: first.at,
    finishedAt: last.at,
  });
}

export function formatRecord(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The deployment numbers of an environment on the tip, ascending. */
export async function deploymentNumbers(
  view: Pick<MetaView, 'list'>,
  environment: string,
): Promise<number[]> {
  const names = await view.list(`${DEPLOYMENTS_DIR}/${environment}`);
  return names
    .filter((n) => /^\d{6,}$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

export async function readDeployment(
  view: Pick<MetaView, 'read'>,
  environment: string,
  number: number,
): Promise<Deployment | undefined> {
  const path = deploymentPath(environment, number);
  const text = await view.read(path);
  return text === undefined ? undefined : parseRecord(Deployment, text, path, 'Deployment');
}

/** Every event of a deployment, in order. */
export async function readEvents(
  view: Pick<MetaView, 'list' | 'readMany'>,
  environment: string,
  number: number,
): Promise<DeploymentEvent[]> {
  const dir = `${deploymentDir(environment, number)}/events`;
  const names = (await view.list(dir)).filter((n) => /^\d+\.json$/.test(n)).sort();
  const paths = names.map((n) => `${dir}/${n}`);
  const texts = await view.readMany(paths);
  return paths.map((path, i) => {
    const event = parseRecord(DeploymentEvent, texts.get(path) ?? '', path, 'deployment event');
    if (event.seq !== i + 1) throw new McpError(`${path} on mcp-meta holds event ${event.seq}, not ${i + 1}`);
    return event;
  });
}

/** The environment's ended deployments, oldest first. */
export async function deploymentHistory(
  view: Pick<MetaView, 'list' | 'read'>,
  environment: string,
): Promise<Deployment[]> {
  const found: Deployment[] = [];
  for (const number of await deploymentNumbers(view, environment)) {
    const deployment = await readDeployment(view, environment, number);
    if (deployment) found.push(deployment);
  }
  return found;
}

/** Lists of predictions are kept as their length: a record holds what was judged, not the raw data. */
export function summariseValues(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) out[key] = { items: value.length };
    else if (value !== null && typeof value === 'object') {
      const entries = Object.keys(value).length;
      out[key] = entries > 50 ? { entries } : summariseValues(value as Record<string, unknown>);
    } else out[key] = value;
  }
  return out;
}
