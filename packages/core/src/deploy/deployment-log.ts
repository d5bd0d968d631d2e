import { randomUUID } from 'node:crypto';
import { type AuditContext, type AuditedWrite, appendWithAudit, type JsonValue } from '../audit';
import { McpError } from '../errors';
import type { MetaBranch, MetaView } from '../meta';
import type { Clock } from './clock';
import {
  assemble,
  type Deployment,
  DeploymentEvent,
  type DeploymentPlan,
  deploymentNumbers,
  deploymentPath,
  eventPath,
  formatRecord,
  type Outcome,
  readEvents,
} from './record';

/** Another run took the deployment over (this run's lease ran out): this run must not touch traffic. */
export class LeaseLost extends McpError {
  override name = 'LeaseLost';
}

/** Another rollout holds the environment, and did not end within the wait. */
export class EnvironmentBusy extends McpError {
  override name = 'EnvironmentBusy';
}

export interface LogContext {
  meta: MetaBranch;
  audit: AuditContext;
  clock: Clock;
  /** How long the run may stay silent before others take it for dead. */
  leaseMs: number;
  /** This run: a random id, written into every event it makes. */
  owner: string;
  log: (line: string) => void;
}

type Body<E> = E extends DeploymentEvent
  ? Omit<E, 'schemaVersion' | 'seq' | 'at' | 'owner' | 'leaseUntil'>
  : never;
export type EventBody = Body<DeploymentEvent>;

export function newOwner(): string {
  return randomUUID();
}

/**
 * The event log of one deployment, owned by this run. Every append checks, on the tip it lands
 * on, that no one else wrote since (a run that took over): then it throws `LeaseLost` instead.
 */
export class DeploymentLog {
  private leaseUntil: number;
  /** Events written with the next commit: a step's verdict goes with the next weight, one push for both. */
  private pending: EventBody[] = [];

  constructor(
    private readonly context: LogContext,
    readonly plan: DeploymentPlan,
    readonly events: DeploymentEvent[],
  ) {
    const last = events.at(-1);
    this.leaseUntil = last ? Date.parse(last.leaseUntil) : 0;
  }

  /** Appends an event (after any queued ones); `extraMs` extends the lease past an operation that may take that long. */
  async append(body: EventBody, extraMs = 0): Promise<DeploymentEvent> {
    const [event] = await this.write(body, extraMs);
    return event;
  }

  /** An event to write with the next append. */
  queue(body: EventBody): void {
    this.pending.push(body);
  }

  /**
   * Makes sure the lease outlasts an operation of up to `forMs` (a hook, a query) with a quarter
   * lease to spare for the write after it: if not, writes a heartbeat that extends it.
   */
  async keepAlive(forMs = 0): Promise<void> {
    if (this.leaseLeft() < forMs + this.context.leaseMs / 4) await this.heartbeat(forMs);
  }

  /** Tells others this run is alive, for another lease (plus `forMs`). */
  async heartbeat(forMs = 0): Promise<void> {
    await this.append({ kind: 'heartbeat' }, forMs);
  }

  /** Time left before the lease runs out. */
  leaseLeft(): number {
    return this.leaseUntil - this.context.clock.now();
  }

  /** The last event and the Deployment record, in one commit (with its audit event). */
  async finish(outcome: Outcome, reason: string): Promise<Deployment> {
    const [, deployment] = await this.write({ kind: 'finished', outcome, reason }, 0);
    return deployment as Deployment;
  }

  /** The queued events and `body` in one commit; the last event written, and the Deployment when it is `finished`. */
  private async write(body: EventBody, extraMs: number): Promise<[DeploymentEvent, Deployment | undefined]> {
    const { meta, audit, clock, leaseMs, owner } = this.context;
    const { environment, number, id, model, version, kind } = this.plan;
    let written: DeploymentEvent[] = [];
    let deployment: Deployment | undefined;
    const bodies = [...this.pending, body];
    await appendWithAudit(meta, { ...audit, now: () => new Date(clock.now()) }, async (view) => {
      await this.checkOwnership(view);
      const now = clock.now();
      written = bodies.map((b, i) =>
        DeploymentEvent.parse({
          ...b,
          schemaVersion: 1,
          seq: this.events.length + 1 + i,
          at: new Date(now).toISOString(),
          owner,
          leaseUntil: new Date(now + leaseMs + extraMs).toISOString(),
        }),
      );
      const files: Record<string, string> = {};
      for (const event of written) files[eventPath(environment, number, event.seq)] = formatRecord(event);
      deployment = undefined;
      if (written.at(-1)?.kind === 'finished') {
        deployment = assemble([...this.events, ...written]);
        files[deploymentPath(environment, number)] = formatRecord(deployment);
      }
      return {
        files,
        message: `${kind === 'rollback' ? 'rollback' : 'deploy'} ${id}: ${written.map(describeEvent).join('; ')}`,
        action: kind === 'rollback' ? 'rollback' : 'deploy-canary',
        subject: `${id} ${model}@${version}`,
        data: auditData(written),
      };
    });
    const last = written.at(-1);
    if (!last) throw new McpError(`the events of ${id} were not written`);
    this.pending = [];
    this.events.push(...written);
    this.leaseUntil = Date.parse(last.leaseUntil);
    return [last, deployment];
  }

  private async checkOwnership(view: MetaView): Promise<void> {
    const { environment, number, id } = this.plan;
    const onTip = await readEvents(view, environment, number);
    if (onTip.length === this.events.length && !(await view.exists(deploymentPath(environment, number))))
      return;
    const last = onTip.at(-1);
    const by =
      last && last.owner !== this.context.owner ? ` by another run (${last.kind} at ${last.at})` : '';
    throw new LeaseLost(
      `deployment ${id} was taken over${by}: this run's lease ran out. It stops here without changing traffic`,
    );
  }
}

function describeEvent(event: DeploymentEvent): string {
  switch (event.kind) {
    case 'started':
      return `started ${event.plan.model}@${event.plan.version} over ${event.plan.stableVersion ?? 'nothing'}`;
    case 'weight':
      return `weight ${event.change.weight}% ${event.change.ok ? 'set' : 'failed'}`;
    case 'step':
      return `step ${event.step + 1} ${event.verdict}`;
    case 'heartbeat':
      return 'heartbeat';
    case 'takeover':
      return `taken over to ${event.action}`;
    case 'finished':
      return event.outcome;
  }
}

/** The audit event's data: what each event of the commit did, a line each. */
function auditData(events: readonly DeploymentEvent[]): Record<string, JsonValue> {
  return { events: events.map((e) => `${e.seq} ${describeEvent(e)}`.slice(0, 300)) };
}

export type Acquisition =
  | { kind: 'new'; log: DeploymentLog }
  /** A deployment whose run stopped answering, now owned by this run. */
  | { kind: 'interrupted'; log: DeploymentLog; action: 'resume' | 'rollback' };

export interface AcquireOptions {
  environment: string;
  /** The plan of a new deployment numbered `number`, decided on the tip it will land on. */
  plan: (number: number, view: MetaView) => Promise<DeploymentPlan>;
  /** What to do with an interrupted deployment. */
  onInterrupted: (plan: DeploymentPlan) => 'resume' | 'rollback';
  /** How long to wait for a rollout in progress to end. */
  waitMs: number;
  /** How often to look again while waiting. */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Takes the environment: starts a new deployment when none is in progress, takes over one
 * whose run is gone, and waits (up to `waitMs`) while another live run holds it. Decided in
 * one mcp-meta transaction, so two runs racing for the environment cannot both win: the loser's
 * push is rejected, and it decides again on the winner's tip.
 */
export async function acquire(context: LogContext, options: AcquireOptions): Promise<Acquisition> {
  const { meta, clock, owner } = context;
  const { environment } = options;
  const waitStarted = clock.now();
  let logged = false;
  for (;;) {
    let decision: Acquisition | { kind: 'busy'; plan: DeploymentPlan; last: DeploymentEvent } | undefined;
    const audit = { ...context.audit, now: () => new Date(clock.now()) };
    await appendWithAudit(meta, audit, async (view): Promise<AuditedWrite | undefined> => {
      decision = undefined;
      const latest = (await deploymentNumbers(view, environment)).at(-1);
      const now = clock.now();
      const stamp = {
        schemaVersion: 1,
        at: new Date(now).toISOString(),
        owner,
        leaseUntil: new Date(now + context.leaseMs).toISOString(),
      };
      if (latest !== undefined && !(await view.exists(deploymentPath(environment, latest)))) {
        const events = await readEvents(view, environment, latest);
        const [started] = events;
        const last = events.at(-1);
        if (started?.kind !== 'started' || !last) {
          throw new McpError(`deployment ${environment}/${latest} on mcp-meta has no started event`);
        }
        if (Date.parse(last.leaseUntil) > now) {
          decision = { kind: 'busy', plan: started.plan, last };
          return undefined;
        }
        const action = options.onInterrupted(started.plan);
        const takeover = DeploymentEvent.parse({
          ...stamp,
          seq: events.length + 1,
          kind: 'takeover',
          previousOwner: last.owner,
          action,
          runUrl: context.audit.runUrl,
        });
        decision = {
          kind: 'interrupted',
          action,
          log: new DeploymentLog(context, started.plan, [...events, takeover]),
        };
        return {
          files: { [eventPath(environment, latest, takeover.seq)]: formatRecord(takeover) },
          message: `deploy ${started.plan.id}: taken over to ${action} (the run that owned it stopped at ${last.at})`,
          action: started.plan.kind === 'rollback' ? 'rollback' : 'deploy-canary',
          subject: `${started.plan.id} ${started.plan.model}@${started.plan.version}`,
          data: auditData([takeover]),
        };
      }
      const number = (latest ?? 0) + 1;
      const plan = await options.plan(number, view);
      const started = DeploymentEvent.parse({ ...stamp, seq: 1, kind: 'started', plan });
      decision = { kind: 'new', log: new DeploymentLog(context, plan, [started]) };
      return {
        files: { [eventPath(environment, number, 1)]: formatRecord(started) },
        message: `${plan.kind === 'rollback' ? 'rollback' : 'deploy'} ${plan.id}: ${describeEvent(started)}`,
        action: plan.kind === 'rollback' ? 'rollback' : 'deploy-canary',
        subject: `${plan.id} ${plan.model}@${plan.version}`,
        data: auditData([started]),
      };
    });
    if (!decision) throw new McpError(`could not take environment ${environment}`);
    if (decision.kind !== 'busy') return decision;
    const { plan, last } = decision;
    const waited = clock.now() - waitStarted;
    const holder = `deployment ${plan.id} (${plan.model}@${plan.version}, started by ${plan.actor}${plan.runUrl ? `, ${plan.runUrl}` : ''})`;
    if (waited >= options.waitMs || options.signal?.aborted) {
      throw new EnvironmentBusy(
        `environment ${environment} is busy: ${holder} is in progress (last heard from at ${last.at}); waited ${Math.round(waited / 1000)} s. Run again when it has ended, or serialise rollouts per environment (a concurrency group)`,
      );
    }
    if (!logged)
      context.log(
        `environment ${environment} is busy: ${holder}; waiting up to ${Math.round(options.waitMs / 1000)} s`,
      );
    logged = true;
    const untilExpiry = Date.parse(last.leaseUntil) - clock.now() + 1;
    const pause = Math.max(1, Math.min(options.pollMs ?? 5000, options.waitMs - waited, untilExpiry));
    await clock.sleep(pause, options.signal);
  }
}
