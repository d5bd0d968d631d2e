import { describe, expect, it } from 'vitest';
import { git, repoWithRemote } from '../../../../test/helpers/git';
import { verifyAudit } from '../audit';
import { InputError } from '../errors';
import { MetaBranch } from '../meta';
import { VirtualClock } from './clock';
import { parseConditions } from './conditions';
import { acquire, EnvironmentBusy, LeaseLost } from './deployment-log';
import type { Provider, ProviderResult } from './providers';
import { readEvents } from './record';
import { previousStable, rollback } from './rollback';
import { type CanaryRequest, type DeployContext, deployCanary, logContext } from './rollout';
import type { AnalysisSource, SourceResult } from './sources';
import { parseSteps, type StepDefaults } from './steps';
import type { TemplateValues } from './template';

const author = { name: 'mcp', email: 'mcp@example.com' };

/** A router in memory: the weight it was last told, and every call. */
function fakeProvider(fail: (values: TemplateValues) => string | undefined = () => undefined) {
  const calls: TemplateValues[] = [];
  const provider: Provider = {
    settings: { type: 'command', setWeight: 'route {version} {weight}', timeoutMs: 5000 },
    async setWeight(values): Promise<ProviderResult> {
      calls.push(values);
      const error = fail(values);
      return error ? { ok: false, ms: 1, error } : { ok: true, ms: 1 };
    },
  };
  return { provider, calls, weights: () => calls.map((c) => c.weight) };
}

/** Measurements computed from the weight the step is at. */
function fakeSource(measure: (values: TemplateValues) => SourceResult): AnalysisSource {
  return {
    settings: { type: 'command', command: 'measure', timeoutMs: 5000 },
    measure: async (values) => measure(values),
  };
}

const healthy = fakeSource(() => ({
  ok: true,
  values: { canary: { error_rate: 0.01 }, stable: { error_rate: 0.01 } },
}));

const defaults: StepDefaults = {
  intervalMs: 60_000,
  count: 1,
  success: parseConditions('canary.error_rate < 0.05', 'success'),
  failure: [],
  failureLimit: 0,
  inconclusiveLimit: 0,
};

function setup() {
  const { work, origin } = repoWithRemote({ 'README.md': 'model' });
  const clock = new VirtualClock();
  const lines: string[] = [];
  const context = (actor = 'alice'): DeployContext => ({
    meta: new MetaBranch({ cwd: work, author }),
    audit: { actor, commit: null, runUrl: `https://ci.example/runs/${actor}` },
    cwd: work,
    env: process.env,
    clock,
    log: (line) => lines.push(line),
  });
  return { work, origin, clock, lines, context };
}

function request(provider: Provider, overrides: Partial<CanaryRequest> = {}): CanaryRequest {
  return {
    environment: 'production',
    model: 'fraud',
    version: '1.3.0',
    stableVersion: '1.2.0',
    steps: parseSteps('10,50,100', defaults),
    provider,
    source: healthy,
    ...overrides,
  };
}

describe('a canary rollout', () => {
  it('a healthy canary goes through every step and is promoted, every step on record', async () => {
    const { context, clock, origin, work } = setup();
    const router = fakeProvider();
    const started = clock.now();
    const deployment = await deployCanary(request(router.provider), context());
    expect(router.weights()).toEqual([10, 50, 100]);
    expect(router.calls[0]).toEqual({
      model: 'fraud',
      version: '1.3.0',
      stable_version: '1.2.0',
      weight: 10,
      stable_weight: 90,
      environment: 'production',
      step: 1,
    });
    expect(deployment).toMatchObject({
      id: 'production/1',
      outcome: 'promoted',
      stableVersion: '1.2.0',
      stableAfter: '1.3.0',
      actor: 'alice',
      runUrl: 'https://ci.example/runs/alice',
    });
    expect(deployment.steps.map((s) => [s.weight, s.verdict, s.measurements.map((m) => m.result)])).toEqual([
      [10, 'passed', ['success']],
      [50, 'passed', ['success']],
      [100, 'passed', []],
    ]);
    expect(deployment.steps[0]?.measurements[0]?.success[0]).toMatchObject({
      condition: 'canary.error_rate < 0.05',
      left: 0.01,
      holds: true,
    });
    // Two measured steps of a one-minute interval each, in no real time.
    expect(clock.now() - started).toBe(2 * 60_000);
    const files = git(origin, 'ls-tree', '-r', '--name-only', 'mcp-meta', 'deployments/');
    expect(files.split('\n')).toContain('deployments/production/000001/deployment.json');
    expect(JSON.parse(git(origin, 'show', 'mcp-meta:deployments/production/000001/deployment.json'))).toEqual(
      deployment,
    );
    expect(await verifyAudit(new MetaBranch({ cwd: work, author }))).toMatchObject({ ok: true });
  });

  it('a failing canary is rolled back at the step where it fails, traffic back on stable at once', async () => {
    const { context } = setup();
    const router = fakeProvider();
    const source = fakeSource((v) => ({
      ok: true,
      values: { canary: { error_rate: Number(v.weight) >= 50 ? 0.2 : 0.01 }, stable: { error_rate: 0.01 } },
    }));
    const deployment = await deployCanary(
      request(router.provider, { source, steps: parseSteps('10,50,75', defaults) }),
      context(),
    );
    expect(router.weights()).toEqual([10, 50, 0]);
    expect(deployment.outcome).toBe('rolled-back');
    expect(deployment.outcomeReason).toBe(
      'step 2 of 4 (50%): 1 failed check, over failure-limit 0; last: success condition not met: canary.error_rate < 0.05 (0.2 vs 0.05)',
    );
    expect(deployment.steps.map((s) => s.verdict)).toEqual([
      'passed',
      'failed',
      'not-reached',
      'not-reached',
    ]);
    expect(deployment.weights.map((w) => [w.step, w.weight, w.ok])).toEqual([
      [0, 10, true],
      [1, 50, true],
      [null, 0, true],
    ]);
    expect(deployment.stableAfter).toBe('1.2.0');
  });

  it('a source that keeps failing is inconclusive, and past inconclusive-limit the rollout aborts', async () => {
    const { context } = setup();
    const router = fakeProvider();
    const down = fakeSource(() => ({ ok: false, error: 'GET http://metrics/stats: connection refused' }));
    const steps = parseSteps('10,100', { ...defaults, count: 5, inconclusiveLimit: 2 });
    const deployment = await deployCanary(request(router.provider, { source: down, steps }), context());
    expect(deployment.outcome).toBe('rolled-back');
    expect(deployment.steps[0]?.measurements.map((m) => m.result)).toEqual([
      'inconclusive',
      'inconclusive',
      'inconclusive',
    ]);
    expect(deployment.outcomeReason).toBe(
      'step 1 of 2 (10%): 3 inconclusive measurements, over inconclusive-limit 2; last: the analysis source failed: GET http://metrics/stats: connection refused',
    );
  });

  it('a step whose measurements were all inconclusive (within the limit) is not passed', async () => {
    const { context } = setup();
    const router = fakeProvider();
    const empty = fakeSource(() => ({ ok: true, values: { canary: { error_rate: null }, stable: {} } }));
    const steps = parseSteps('10,100', { ...defaults, inconclusiveLimit: 1 });
    const deployment = await deployCanary(request(router.provider, { source: empty, steps }), context());
    expect(router.weights()).toEqual([10, 0]);
    expect(deployment.outcomeReason).toBe(
      'step 1 of 2 (10%): no measurement succeeded (0 failed, 1 inconclusive)',
    );
  });

  it('a failing before-step hook is a failed check; hooks see the step’s values', async () => {
    const { context } = setup();
    const router = fakeProvider();
    const hooks = {
      beforeStep: 'echo "load at {weight}%"; test {weight} -lt 50',
      afterStep: 'echo done {step}',
      timeoutMs: 5000,
    };
    const deployment = await deployCanary(request(router.provider, { hooks }), context());
    expect(deployment.outcome).toBe('rolled-back');
    expect(deployment.steps[0]?.hooks.map((h) => [h.hook, h.exitCode, h.output])).toEqual([
      ['before-step', 0, 'load at 10%'],
      ['after-step', 0, 'done 1'],
    ]);
    expect(deployment.outcomeReason).toBe(
      'step 2 of 3 (50%): 1 failed check, over failure-limit 0; last: before-step exited with 1: load at 50%',
    );
  });

  it('a weight the provider cannot set aborts; when 0 cannot be set either, the deployment failed', async () => {
    const { context } = setup();
    const flaky = fakeProvider((v) => (v.weight === 50 ? 'router said 503' : undefined));
    expect(await deployCanary(request(flaky.provider), context())).toMatchObject({
      outcome: 'rolled-back',
      outcomeReason: 'step 2 of 3 (50%): setting the weight failed: router said 503',
    });
    const dead = fakeProvider((v) => (v.weight === 10 ? undefined : 'connection refused'));
    const failed = await deployCanary(request(dead.provider, { version: '1.4.0' }), context());
    expect(dead.weights()).toEqual([10, 50, 0, 0, 0]);
    expect(failed).toMatchObject({ id: 'production/2', outcome: 'failed', stableAfter: '1.2.0' });
    expect(failed.outcomeReason).toMatch(
      /; and the canary's weight could not be set to 0: connection refused$/,
    );
  });

  it('a cancelled job takes the canary out before it stops', async () => {
    const { context } = setup();
    const controller = new AbortController();
    const source = fakeSource(() => {
      controller.abort();
      return { ok: true, values: { canary: { error_rate: 0 }, stable: { error_rate: 0 } } };
    });
    const router = fakeProvider();
    const deployment = await deployCanary(request(router.provider, { source }), {
      ...context(),
      signal: controller.signal,
    });
    expect(router.weights()).toEqual([10, 0]);
    expect(deployment).toMatchObject({
      outcome: 'rolled-back',
      outcomeReason: 'cancelled before step 2 of 3 (50%)',
    });
  });

  it('refuses bad input before anything moves', async () => {
    const { context } = setup();
    const router = fakeProvider();
    await expect(
      deployCanary(request(router.provider, { environment: 'prod us' }), context()),
    ).rejects.toThrow(InputError);
    await expect(deployCanary(request(router.provider, { source: undefined }), context())).rejects.toThrow(
      'analysis: step 1 (10%) is measured, but no analysis source was given',
    );
    await expect(
      deployCanary(request(router.provider, { stableVersion: '1.3.0' }), context()),
    ).rejects.toThrow('version: 1.3.0 is already the stable version of production');
    expect(router.calls).toEqual([]);
  });
});

describe('an environment’s first rollout', () => {
  it('with no stable version anywhere, goes to 100% at once, unmeasured, and is promoted as an initial deployment', async () => {
    const { context, lines, origin } = setup();
    const router = fakeProvider();
    const deployment = await deployCanary(
      request(router.provider, {
        stableVersion: undefined,
        promoteStage: 'production',
        hooks: { beforeStep: 'exit 1', timeoutMs: 5000 },
      }),
      context(),
    );
    expect(router.calls).toEqual([
      {
        model: 'fraud',
        version: '1.3.0',
        stable_version: '',
        weight: 100,
        stable_weight: 0,
        environment: 'production',
        step: 1,
      },
    ]);
    expect(deployment).toMatchObject({
      outcome: 'promoted',
      stableVersion: null,
      stableAfter: '1.3.0',
      reason: 'initial deployment: no stable version to compare with',
      promoteStage: 'production',
      analysis: null,
    });
    expect(deployment.steps.map((s) => [s.weight, s.verdict, s.reason, s.measurements.length])).toEqual([
      [100, 'passed', 'initial deployment: no stable version to compare with', 0],
    ]);
    expect(lines.join('\n')).toMatch(
      /production\/1: initial deployment: no stable version to compare with: production has no deployment on mcp-meta/,
    );
    // The next rollout is an ordinary canary over it.
    const next = await deployCanary(
      request(router.provider, { stableVersion: undefined, version: '1.4.0' }),
      context(),
    );
    expect(next).toMatchObject({ stableVersion: '1.3.0', outcome: 'promoted', reason: null });
    expect(git(origin, 'ls-tree', '--name-only', 'mcp-meta:deployments/production').split('\n')).toEqual([
      '000001',
      '000002',
    ]);
  });
});

describe('what mcp-meta records of a plan', () => {
  it('holds commands, URLs and hooks with credentials, query values and secret variables replaced by ***', async () => {
    const { context, origin } = setup();
    const ran: string[] = [];
    const provider: Provider = {
      settings: {
        type: 'http',
        url: 'https://ops:hunter22@router.example/weights?token=abc123&model={model}',
        body: '{"key": "s3cr3t-value-1"}',
        headerNames: [],
        timeoutMs: 5000,
      },
      setWeight: async (v) => {
        ran.push(`${v.version} ${v.weight}`);
        return { ok: true, ms: 1 };
      },
    };
    const source: AnalysisSource = {
      settings: {
        type: 'command',
        command: 'curl -s "https://metrics.example/q?api_key=zzz&v={version}" -H "x: s3cr3t-value-1"',
        timeoutMs: 5000,
      },
      measure: healthy.measure,
    };
    const deployment = await deployCanary(
      request(provider, {
        source,
        hooks: { beforeStep: 'true --password s3cr3t-value-1', timeoutMs: 5000 },
      }),
      { ...context(), env: { ...process.env, MY_API_KEY: 's3cr3t-value-1', SHORT_TOKEN: 'abc' } },
    );
    expect(deployment.outcome).toBe('promoted');
    expect(ran).toEqual(['1.3.0 10', '1.3.0 50', '1.3.0 100']);
    const recorded = git(origin, 'show', 'mcp-meta:deployments/production/000001/deployment.json');
    const plan = JSON.parse(recorded);
    expect(plan.provider).toMatchObject({
      url: 'https://***@router.example/weights?token=***&model={model}',
      body: '{"key": "***"}',
    });
    expect(plan.analysis.command).toBe(
      'curl -s "https://metrics.example/q?api_key=***&v={version}" -H "x: ***"',
    );
    expect(plan.hooks).toEqual({ beforeStep: 'true --password ***', afterStep: null });
    expect(recorded).not.toMatch(/hunter22|abc123|s3cr3t|zzz/);
    // A rollback cannot reuse redacted settings: it asks for the provider again.
    await expect(rollback({ environment: 'production' }, context())).rejects.toThrow(
      /provider: the provider recorded with production's last deployment had credentials redacted/,
    );
  });
});

describe('one rollout per environment', () => {
  it('a second rollout waits for a live one, then fails clearly', async () => {
    const { context, lines } = setup();
    const holder = logContext(context('bob'));
    const live = await acquire(holder, {
      environment: 'production',
      waitMs: 0,
      onInterrupted: () => 'rollback',
      plan: async (number) => ({
        ...(await planOf(number)),
        actor: 'bob',
        runUrl: 'https://ci.example/runs/bob',
      }),
    });
    expect(live.kind).toBe('new');
    const router = fakeProvider();
    const second = deployCanary(request(router.provider, { waitMs: 30_000 }), {
      ...context(),
      leaseMs: 600_000,
    });
    await expect(second).rejects.toThrow(EnvironmentBusy);
    await expect(second).rejects.toThrow(
      /^environment production is busy: deployment production\/1 \(fraud@1\.3\.0, started by bob, https:\/\/ci\.example\/runs\/bob\) is in progress \(last heard from at \S+\); waited 30 s\. /,
    );
    expect(lines[0]).toMatch(
      /^environment production is busy: deployment production\/1 .*; waiting up to 30 s$/,
    );
    expect(router.calls).toEqual([]);
  });

  it('a run killed mid-rollout is rolled back by the next run, which then does its own', async () => {
    const { context, clock } = setup();
    const killed = await startAndAbandon(context('bob'), clock, 'rollback');
    const router = fakeProvider();
    const deployment = await deployCanary(request(router.provider), context());
    // First the abandoned canary's weight to 0 (its versions), then this rollout from its first step.
    expect(router.calls[0]).toMatchObject({ version: '1.3.0', weight: 0 });
    expect(router.weights()).toEqual([0, 10, 50, 100]);
    expect(deployment).toMatchObject({ id: 'production/2', outcome: 'promoted' });
    const view = await context().meta.snapshot();
    const old = await readEvents(view, 'production', killed);
    expect(old.map((e) => e.kind)).toEqual([
      'started',
      'weight',
      'step',
      'weight',
      'takeover',
      'weight',
      'finished',
    ]);
    expect(old.at(-1)).toMatchObject({
      outcome: 'rolled-back',
      reason: 'interrupted: the run that owned it stopped before it ended',
    });
  });

  it('with on-interrupted: resume, the next run continues from the recorded step', async () => {
    const { context, clock } = setup();
    await startAndAbandon(context('bob'), clock, 'resume');
    const router = fakeProvider();
    const deployment = await deployCanary(request(router.provider, { onInterrupted: 'resume' }), context());
    expect(router.weights()).toEqual([50, 100]);
    expect(deployment).toMatchObject({ id: 'production/1', outcome: 'promoted', actor: 'bob' });
    expect(deployment.interruptions).toEqual([
      { at: expect.any(String), action: 'resume', runUrl: 'https://ci.example/runs/alice' },
    ]);
    expect(deployment.steps.map((s) => [s.verdict, s.measurements.length])).toEqual([
      // The recorded plan measures twice a step: the resumed run keeps to it.
      ['passed', 2],
      ['passed', 2],
      ['passed', 0],
    ]);
  });

  it('a run whose lease ran out may not write again: it stops without touching traffic', async () => {
    const { context, clock } = setup();
    const slow = logContext(context('bob'));
    const acquired = await acquire(slow, {
      environment: 'production',
      waitMs: 0,
      onInterrupted: () => 'rollback',
      plan: planOf,
    });
    clock.sleep(slow.leaseMs + 1);
    const router = fakeProvider();
    await deployCanary(request(router.provider), context());
    await expect(acquired.log.append({ kind: 'heartbeat' })).rejects.toThrow(LeaseLost);
  });
});

describe('rollback', () => {
  it('restores the previous good version through the recorded provider, and records it', async () => {
    const { context, work } = setup();
    const router = fakeProvider();
    await deployCanary(request(router.provider), context());
    await deployCanary(request(router.provider, { version: '1.4.0', stableVersion: undefined }), context());
    const ran: string[] = [];
    const rolled = await rollback(
      { environment: 'production', reason: 'alert: fraud recall down', provider: recorder(ran) },
      context('carol'),
    );
    expect(ran).toEqual(['1.3.0 100 (stable 1.4.0)']);
    expect(rolled).toMatchObject({
      id: 'production/3',
      kind: 'rollback',
      version: '1.3.0',
      stableVersion: '1.4.0',
      stableAfter: '1.3.0',
      outcome: 'rolled-back',
      reason: 'alert: fraud recall down',
      actor: 'carol',
    });
    // 1.4.0 was rolled back from, 1.3.0 serves: the one before is 1.2.0.
    const history = [rolled];
    expect(previousStable(history)).toBeUndefined();
    const again = await rollback({ environment: 'production', provider: recorder(ran) }, context('carol'));
    expect(again.version).toBe('1.2.0');
    const audit = await verifyAudit(new MetaBranch({ cwd: work, author }));
    expect(audit).toMatchObject({ ok: true });
    expect(audit.text).toMatch(/the latest #\d+: rollback production\/4 fraud@1\.2\.0 by carol/);
  });

  it('by default sets the weight with the provider recorded with the last deployment', async () => {
    const { context, work } = setup();
    const recorded: Provider = {
      settings: { type: 'command', setWeight: 'echo "{version} {weight}" >> traffic.log', timeoutMs: 5000 },
      setWeight: async () => ({ ok: true, ms: 1 }),
    };
    await deployCanary(request(recorded), context());
    const rolled = await rollback({ environment: 'production', to: '1.2.0' }, context());
    expect(rolled.outcome).toBe('rolled-back');
    expect((await import('node:fs')).readFileSync(`${work}/traffic.log`, 'utf8')).toBe('1.2.0 100\n');
  });

  it('with nothing earlier on record, asks for the version', async () => {
    const { context } = setup();
    await expect(rollback({ environment: 'staging', provider: recorder([]) }, context())).rejects.toThrow(
      'provider'.length ? 'environment: staging has no deployment on mcp-meta to roll back' : '',
    );
  });
});

function recorder(ran: string[]): Provider {
  return {
    settings: { type: 'command', setWeight: 'route', timeoutMs: 5000 },
    setWeight: async (v) => {
      ran.push(`${v.version} ${v.weight} (stable ${v.stable_version})`);
      return { ok: true, ms: 1 };
    },
  };
}

async function planOf(number: number) {
  return {
    id: `production/${number}`,
    number,
    kind: 'canary' as const,
    environment: 'production',
    model: 'fraud',
    version: '1.3.0',
    stableVersion: '1.2.0',
    provider: { type: 'command' as const, setWeight: 'route', timeoutMs: 5000 },
    analysis: null,
    steps: [10, 50, 100].map((weight) => ({
      weight,
      pauseMs: 0,
      count: weight < 100 ? 2 : 0,
      intervalMs: 60_000,
      success: ['canary.error_rate < 0.05'],
      failure: [],
      failureLimit: 0,
      inconclusiveLimit: 0,
    })),
    hooks: { beforeStep: null, afterStep: null },
    onInterrupted: 'rollback' as const,
    reason: null,
    actor: 'bob',
    runUrl: 'https://ci.example/runs/bob',
    commit: null,
  };
}

/** A run that passed step 1, set step 2's weight, and was killed: its lease then runs out. */
async function startAndAbandon(
  context: DeployContext,
  clock: VirtualClock,
  onInterrupted: 'rollback' | 'resume',
) {
  const logs = logContext(context);
  const { log } = await acquire(logs, {
    environment: 'production',
    waitMs: 0,
    onInterrupted: () => 'rollback',
    plan: async (n) => ({ ...(await planOf(n)), onInterrupted }),
  });
  const at = () => new Date(clock.now()).toISOString();
  await log.append({ kind: 'weight', change: { step: 0, weight: 10, at: at(), ok: true, ms: 1 } });
  const measurement = (n: number) => ({
    step: 0,
    n,
    at: at(),
    result: 'success' as const,
    reason: 'ok',
    values: null,
    success: [],
    failure: [],
  });
  log.queue({
    kind: 'step',
    step: 0,
    verdict: 'passed',
    reason: '0 failed',
    measurements: [measurement(1), measurement(2)],
    hooks: [],
  });
  await log.append({ kind: 'weight', change: { step: 1, weight: 50, at: at(), ok: true, ms: 1 } });
  await clock.sleep(logs.leaseMs + 1);
  return log.plan.number;
}
