import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type CanaryRequest,
  createProvider,
  createSource,
  DEFAULT_HTTP_BODY,
  type DeployContext,
  deployCanary,
  parseConditions,
  parseQueries,
  parseSteps,
  readDeployment,
  rollback,
} from '../../packages/core/src/deploy';
import { MetaBranch } from '../../packages/core/src/meta';
import { closedPort, HEALTH, load, type Stack, send, stacksPerTest, traffic } from '../helpers/canary';
import { git, repoWithRemote, tempDir } from '../helpers/git';
import { bundledFixture } from '../helpers/jobs';

// Real processes on 127.0.0.1: model servers (v1 stable, v2 a good canary, v3 one that starts
// failing when asked), the weighted router in front of them, and rollouts reading /stats.

const jobScript = bundledFixture('canary/rollout-job.ts');

const startStack = stacksPerTest();

async function setup() {
  const stack = await startStack({ v1: [], v2: [], v3: [] }, 'v1');
  const { work } = repoWithRemote({ 'README.md': 'fraud model' });
  return { stack, work };
}

function context(work: string, actor = 'alice'): DeployContext {
  return {
    meta: new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } }),
    audit: { actor, commit: null, runUrl: `https://ci.example/runs/${actor}` },
    cwd: work,
    env: process.env,
    pollMs: 200,
  };
}

function canary(
  stack: Stack,
  work: string,
  version: string,
  overrides: Partial<CanaryRequest> = {},
): CanaryRequest {
  const runtime = { cwd: work, env: process.env };
  return {
    environment: 'production',
    model: 'fraud',
    version,
    stableVersion: 'v1',
    steps: parseSteps('20,50,100', {
      intervalMs: 400,
      count: 1,
      success: parseConditions(HEALTH, 'success'),
      failure: [],
      failureLimit: 0,
      inconclusiveLimit: 1,
    }),
    provider: createProvider(
      {
        type: 'http',
        url: `${stack.router}/admin/traffic`,
        body: DEFAULT_HTTP_BODY,
        headerNames: [],
        timeoutMs: 5000,
      },
      runtime,
    ),
    source: createSource(
      {
        type: 'http',
        canaryUrl: `${stack.servers[version]}/stats?window=2000`,
        stableUrl: `${stack.servers.v1}/stats?window=2000`,
        headerNames: [],
        timeoutMs: 2000,
      },
      runtime,
    ),
    ...overrides,
  };
}

describe('deploy-canary against real servers', () => {
  it('a healthy canary is promoted; rollback then restores the previous version through the recorded provider', async () => {
    const { stack, work } = await setup();
    const traffic_ = load(stack.router, { rps: 100, maxMs: 30_000 });
    const deployment = await deployCanary(canary(stack, work, 'v2'), context(work));
    await traffic_.stop();
    expect({ outcome: deployment.outcome, reason: deployment.outcomeReason }).toMatchObject({
      outcome: 'promoted',
    });
    expect(deployment.stableAfter).toBe('v2');
    expect(deployment.steps.map((s) => [s.weight, s.verdict])).toEqual([
      [20, 'passed'],
      [50, 'passed'],
      [100, 'passed'],
    ]);
    const measured = deployment.steps[0]?.measurements[0];
    expect(measured?.values?.canary).toMatchObject({ version: 'v2', predictions: { items: 200 } });
    expect(measured?.success.find((c) => c.condition.startsWith('agreement'))).toMatchObject({
      left: 1,
      holds: true,
    });
    expect(await traffic(stack)).toEqual({ stable: 'v1', canary: 'v2', weight: 100 });
    expect((await send(stack.router, 20)).served).toEqual({ v2: 20 });

    const started = performance.now();
    const rolled = await rollback(
      { environment: 'production', reason: 'latency alert' },
      context(work, 'carol'),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(rolled).toMatchObject({
      kind: 'rollback',
      version: 'v1',
      stableVersion: 'v2',
      outcome: 'rolled-back',
      actor: 'carol',
    });
    expect(await traffic(stack)).toMatchObject({ canary: 'v1', weight: 100 });
    expect((await send(stack.router, 20)).served).toEqual({ v1: 20 });
    expect(seconds).toBeLessThan(30);
  });

  it('a canary that starts failing at 50% is rolled back at that step, and traffic is all on stable again', async () => {
    const { stack, work } = await setup();
    const traffic_ = load(stack.router, { rps: 100, maxMs: 30_000 });
    // The failure comes with more traffic: the before-step hook turns errors on from the 50% step.
    const hooks = {
      beforeStep: `if [ {weight} -ge 50 ]; then curl -fsS -X POST "${stack.servers.v3}/admin/error-rate?rate=0.3" >/dev/null; fi`,
      timeoutMs: 5000,
    };
    const deployment = await deployCanary(canary(stack, work, 'v3', { hooks }), context(work));
    await traffic_.stop();
    expect(deployment.outcome).toBe('rolled-back');
    expect(deployment.steps.map((s) => s.verdict)).toEqual(['passed', 'failed', 'not-reached']);
    expect(deployment.outcomeReason).toMatch(
      /^step 2 of 3 \(50%\): 1 failed check, over failure-limit 0; last: success condition not met: canary\.error_rate < 0\.05 \(0\.\d+ vs 0\.05\)$/,
    );
    expect(deployment.weights.map((w) => w.weight)).toEqual([20, 50, 0]);
    expect(await traffic(stack)).toMatchObject({ canary: 'v3', weight: 0 });
    expect((await send(stack.router, 30)).served).toEqual({ v1: 30 });
  });

  it('an analysis source that is down is inconclusive, and the rollout aborts past the limit', async () => {
    const { stack, work } = await setup();
    const closed = await closedPort();
    const down = createSource(
      {
        type: 'http',
        canaryUrl: `http://127.0.0.1:${closed}/stats`,
        stableUrl: `${stack.servers.v1}/stats`,
        headerNames: [],
        timeoutMs: 1000,
      },
      { cwd: work, env: process.env },
    );
    const steps = parseSteps('20,100', {
      intervalMs: 200,
      count: 3,
      success: parseConditions('canary.error_rate < 0.05', 'success'),
      failure: [],
      failureLimit: 0,
      inconclusiveLimit: 1,
    });
    const deployment = await deployCanary(canary(stack, work, 'v2', { source: down, steps }), context(work));
    expect(deployment.outcome).toBe('rolled-back');
    expect(deployment.steps[0]?.measurements.map((m) => m.result)).toEqual(['inconclusive', 'inconclusive']);
    expect(deployment.outcomeReason).toBe(
      `step 1 of 2 (20%): 2 inconclusive measurements, over inconclusive-limit 1; last: the analysis source failed: canary: GET http://127.0.0.1:${closed}/stats: connection refused`,
    );
    expect((await send(stack.router, 10)).served).toEqual({ v1: 10 });
  });
});

interface JobResult {
  id?: string;
  outcome?: string;
  reason?: string;
  error?: string;
  name?: string;
}

function startJob(config: Record<string, unknown>) {
  const child: ChildProcess = spawn(process.execPath, [jobScript(), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; result: JobResult; stderr: string }>((resolve) => {
    child.on('close', (code) =>
      resolve({ code, result: stdout ? (JSON.parse(stdout) as JobResult) : {}, stderr }),
    );
  });
  return { child, done };
}

function jobConfig(stack: Stack, work: string, actor: string, extra: Record<string, unknown> = {}) {
  return {
    cwd: work,
    actor,
    router: stack.router,
    canaryStats: `${stack.servers.v2}/stats?window=2000`,
    stableStats: `${stack.servers.v1}/stats?window=2000`,
    version: 'v2',
    stableVersion: 'v1',
    steps: '20,50,100',
    intervalMs: 600,
    count: 1,
    success: 'canary.error_rate < 0.05',
    onInterrupted: 'rollback',
    leaseMs: 60_000,
    waitMs: 1000,
    ...extra,
  };
}

describe('one rollout per environment, across processes', () => {
  /**
   * A deploy-canary job killed at 50%, once its record on mcp-meta says so (the weight event of
   * step 2); its lease (3 s) then runs out. (Resuming instead is rollout.test.ts's, on a virtual clock.)
   */
  async function killAt50(stack: Stack, work: string, onInterrupted: 'rollback' | 'resume') {
    const job = startJob(
      jobConfig(stack, work, 'bob', { intervalMs: 500, count: 2, leaseMs: 3000, onInterrupted }),
    );
    const origin = join(work, '..', 'origin.git');
    const recordedAt50 = () => {
      try {
        git(
          origin,
          'grep',
          '-q',
          '--all-match',
          '-e',
          '"kind": "weight"',
          '-e',
          '"weight": 50,',
          'mcp-meta',
          '--',
          'deployments/production/000001/events/',
        );
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 30_000;
    while (Date.now() < until && !recordedAt50()) await sleep(50);
    expect(await traffic(stack)).toMatchObject({ canary: 'v2', weight: 50 });
    job.child.kill('SIGKILL');
    expect((await job.done).code).toBe(null);
  }

  it('a job killed mid-rollout is rolled back by the next run, which then rolls out itself', async () => {
    const { stack, work } = await setup();
    const background = load(stack.router, { rps: 100, maxMs: 40_000 });
    await killAt50(stack, work, 'rollback');
    const next = await deployCanary(canary(stack, work, 'v2', { waitMs: 10_000 }), context(work));
    await background.stop();
    expect({ id: next.id, outcome: next.outcome, reason: next.outcomeReason }).toMatchObject({
      id: 'production/2',
      outcome: 'promoted',
    });
    const killed = await readDeployment(await context(work).meta.snapshot(), 'production', 1);
    expect(killed).toMatchObject({
      outcome: 'rolled-back',
      actor: 'bob',
      outcomeReason: 'interrupted: the run that owned it stopped before it ended',
      interruptions: [{ action: 'rollback', runUrl: 'https://ci.example/runs/alice' }],
    });
    expect(killed?.weights.map((w) => w.weight)).toEqual([20, 50, 0]);
    expect(await traffic(stack)).toMatchObject({ canary: 'v2', weight: 100 });
  });

  it('two jobs on one environment at once: one rolls out, the other waits and fails clearly', async () => {
    const { stack, work } = await setup();
    const background = load(stack.router, { rps: 100, maxMs: 40_000 });
    const [a, b] = [
      startJob(jobConfig(stack, work, 'bob', { steps: '20,100' })),
      startJob(jobConfig(stack, work, 'carol', { steps: '20,100' })),
    ];
    const results = await Promise.all([a.done, b.done]);
    await background.stop();
    const promoted = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code === 1);
    expect(promoted.map((r) => r.result)).toEqual([
      { id: 'production/1', outcome: 'promoted', reason: expect.any(String) },
    ]);
    expect(refused.map((r) => r.result.name)).toEqual(['EnvironmentBusy']);
    expect(refused[0]?.result.error).toMatch(
      /^environment production is busy: deployment production\/1 \(fraud@v2, started by (bob|carol), https:\/\/ci\.example\/runs\/(bob|carol)\) is in progress/,
    );
  });
});

describe('the prometheus source against a real Prometheus server', () => {
  it('reads error rates and latency of each version as Prometheus scraped them, and promotes a healthy canary', async () => {
    const binary = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
    if (!binary)
      throw new Error("no Prometheus server: install Debian's package (apt-get install -y prometheus)");
    const { stack, work } = await setup();
    const dir = tempDir('mcp-prometheus-');
    const port = await closedPort();
    const targets = Object.values(stack.servers).map((url) => `'${new URL(url).host}'`);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: models\n    static_configs:\n      - targets: [${targets.join(', ')}]\n`,
    );
    const server = spawn(
      binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    const background = load(stack.router, { rps: 100, maxMs: 40_000 });
    try {
      // Ready, and at least two scrapes of every server (a rate needs two samples).
      const query = async (q: string) =>
        (await (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q })}`)).json()) as {
          data?: { result?: unknown[] };
        };
      for (let i = 0; i < 200; i++) {
        const ready = await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready && ((await query('count_over_time(up[10s]) >= 2')).data?.result?.length ?? 0) === 3) break;
        await sleep(100);
      }
      const source = createSource(
        {
          type: 'prometheus',
          url,
          queries: parseQueries(
            [
              'error_rate: sum(rate(model_errors_total{version="{version}"}[3s])) / sum(rate(model_requests_total{version="{version}"}[3s]))',
              'requests: sum(increase(model_requests_total{version="{version}"}[3s]))',
              'p95_s: histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{version="{version}"}[3s])))',
            ].join('\n'),
          ),
          headerNames: [],
          timeoutMs: 2000,
        },
        { cwd: work, env: process.env },
      );
      const steps = parseSteps('50,100', {
        intervalMs: 3000,
        count: 1,
        success: parseConditions(
          'canary.error_rate < 0.05\ncanary.requests > 0\ncanary.p95_s <= stable.p95_s * 5 + 0.05',
          'success',
        ),
        failure: [],
        failureLimit: 0,
        inconclusiveLimit: 1,
      });
      const deployment = await deployCanary(canary(stack, work, 'v2', { source, steps }), context(work));
      expect(deployment.outcome).toBe('promoted');
      const [measured] = deployment.steps[0]?.measurements ?? [];
      expect(measured?.result).toBe('success');
      expect(measured?.values?.canary).toMatchObject({ error_rate: 0, requests: expect.any(Number) });
      expect(measured?.values?.stable.requests).toBeGreaterThan(0);
    } finally {
      await background.stop();
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
