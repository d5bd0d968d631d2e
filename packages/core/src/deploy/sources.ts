import { z } from 'zod';
import { InputError } from '../errors';
import type { Measured, Values } from './conditions';
import { displayUrl, request } from './http';
import { runShell, tail } from './shell';
import { checkTemplate, renderPromql, renderShell, renderUrl, type TemplateValues } from './template';

/** How a rollout measures, as recorded with the deployment (header values are secrets: names only). */
export const AnalysisSettings = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('http'),
    /** GET, answering JSON; conditions pick values by path (`canary.latency.p95`). */
    canaryUrl: z.string(),
    stableUrl: z.string(),
    headerNames: z.array(z.string()),
    timeoutMs: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('prometheus'),
    /** The server's base URL (`http://prometheus:9090`). */
    url: z.string(),
    /** Value name → PromQL, run once for each side with `{version}` that side's version. */
    queries: z.record(z.string(), z.string()),
    headerNames: z.array(z.string()),
    timeoutMs: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('command'),
    /** Prints `{"canary": {...}, "stable": {...}}`. */
    command: z.string(),
    timeoutMs: z.number().int().positive(),
  }),
]);
export type AnalysisSettings = z.infer<typeof AnalysisSettings>;

/** One measurement: both sides' values, or why there are none (inconclusive, never a failure). */
export type SourceResult = { ok: true; values: Measured } | { ok: false; error: string };

export interface SourceRuntime {
  /** Where commands run, and their environment. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Header values (tokens) for the http and prometheus sources; never recorded. */
  headers?: Record<string, string>;
}

export interface AnalysisSource {
  readonly settings: AnalysisSettings;
  /** `values` holds model, version, stable_version, environment, weight and step. */
  measure(values: TemplateValues): Promise<SourceResult>;
}

const QUERY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks settings the way a user wrote them, then the source that measures by them. */
export function createSource(settings: AnalysisSettings, runtime: SourceRuntime): AnalysisSource {
  switch (settings.type) {
    case 'http':
      checkUrlTemplate(settings.canaryUrl, 'canary-url');
      checkUrlTemplate(settings.stableUrl, 'stable-url');
      return { settings, measure: (values) => measureHttp(settings, runtime, values) };
    case 'prometheus':
      checkUrl(settings.url, 'prometheus-url');
      if (Object.keys(settings.queries).length === 0) {
        throw new InputError(
          'queries: no query given (expected lines such as `error_rate: <PromQL>`)',
          'queries',
        );
      }
      for (const [name, query] of Object.entries(settings.queries)) {
        if (!QUERY_NAME.test(name)) {
          throw new InputError(`queries: "${name}" is not a value name (letters, digits and _)`, 'queries');
        }
        checkTemplate(query, `queries.${name}`);
      }
      return { settings, measure: (values) => measurePrometheus(settings, runtime, values) };
    case 'command':
      if (settings.command.trim() === '') throw new InputError('analysis-command: empty', 'analysis-command');
      checkTemplate(settings.command, 'analysis-command');
      return { settings, measure: (values) => measureCommand(settings, runtime, values) };
  }
}

/** `error_rate: <PromQL>` lines (a YAML mapping) as the prometheus source's queries. */
export function parseQueries(text: string): Record<string, string> {
  const queries: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = /^\s*([^:\s]+)\s*:\s*(.+)$/.exec(line);
    if (!match) {
      throw new InputError(
        `queries line ${i + 1}: expected \`<name>: <PromQL>\`, found ${JSON.stringify(line.trim())}`,
        'queries',
      );
    }
    queries[match[1] as string] = (match[2] as string).trim();
  });
  return queries;
}

function checkUrl(url: string, input: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below.
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new InputError(`${input}: ${JSON.stringify(displayUrl(url))} is not an http(s) URL`, input);
  }
}

function checkUrlTemplate(url: string, input: string): void {
  checkTemplate(url, input);
  checkUrl(renderUrl(url, SAMPLE), input);
}

const SAMPLE: Required<TemplateValues> = {
  model: 'm',
  version: 'v',
  stable_version: 's',
  weight: 1,
  stable_weight: 99,
  environment: 'e',
  step: 1,
};

/** The values one side's queries and URLs are templated with: `{version}` is that side's version. */
function sideValues(values: TemplateValues, side: 'canary' | 'stable'): TemplateValues {
  return side === 'canary' ? values : { ...values, version: values.stable_version };
}

async function measureHttp(
  settings: Extract<AnalysisSettings, { type: 'http' }>,
  runtime: SourceRuntime,
  values: TemplateValues,
): Promise<SourceResult> {
  const get = async (side: 'canary' | 'stable'): Promise<Values | string> => {
    const url = renderUrl(side === 'canary' ? settings.canaryUrl : settings.stableUrl, values);
    const answer = await request({
      method: 'GET',
      url,
      headers: runtime.headers,
      timeoutMs: settings.timeoutMs,
    });
    if (!answer.ok) return `${side}: ${answer.error}`;
    const parsed = parseJson(answer.body);
    if (parsed === undefined || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return `${side}: ${displayUrl(url)} did not answer a JSON object`;
    }
    return parsed as Values;
  };
  const [canary, stable] = await Promise.all([get('canary'), get('stable')]);
  if (typeof canary === 'string') return { ok: false, error: canary };
  if (typeof stable === 'string') return { ok: false, error: stable };
  return { ok: true, values: { canary, stable } };
}

/**
 * Instant queries (`GET /api/v1/query`) for each value and side. A query must come back as one
 * number: a scalar, or a vector of one sample (aggregate with `sum()` and the like). An empty
 * vector or NaN means no data yet (no traffic on that version): inconclusive.
 */
async function measurePrometheus(
  settings: Extract<AnalysisSettings, { type: 'prometheus' }>,
  runtime: SourceRuntime,
  values: TemplateValues,
): Promise<SourceResult> {
  const base = settings.url.replace(/\/+$/, '');
  const jobs = Object.entries(settings.queries).flatMap(([name, template]) =>
    (['canary', 'stable'] as const).map(async (side) => {
      const query = renderPromql(template, sideValues(values, side));
      const url = `${base}/api/v1/query?${new URLSearchParams({ query })}`;
      const answer = await request({
        method: 'GET',
        url,
        headers: runtime.headers,
        timeoutMs: settings.timeoutMs,
      });
      const value = answer.ok
        ? readInstantResult(answer.body)
        : (prometheusError(answer.body) ?? answer.error);
      return { name, side, value: typeof value === 'string' ? `${side}.${name}: ${value}` : value };
    }),
  );
  const measured: Measured = { canary: {}, stable: {} };
  for (const { name, side, value } of await Promise.all(jobs)) {
    if (typeof value === 'string') return { ok: false, error: value };
    measured[side][name] = value;
  }
  return { ok: true, values: measured };
}

/** The number in an instant query's answer, or why there is none. */
export function readInstantResult(body: string): number | string {
  const parsed = PrometheusAnswer.safeParse(parseJson(body));
  if (!parsed.success) return 'Prometheus answered something other than an instant query result';
  const answer = parsed.data;
  if (answer.status === 'error')
    return `Prometheus: ${answer.errorType ?? 'error'}: ${answer.error ?? ''}`.trim();
  const { resultType, result } = answer.data;
  let sample: unknown;
  if (resultType === 'scalar') sample = result;
  else if (resultType === 'vector') {
    const series = result as unknown[];
    if (series.length === 0) return 'no data (the query matched no series)';
    if (series.length > 1) return `${series.length} series matched; aggregate them into one (e.g. sum(...))`;
    sample = (series[0] as { value?: unknown }).value;
  } else return `the query gave a ${resultType}, not a number (use an instant vector or a scalar)`;
  const pair = z.tuple([z.number(), z.string()]).safeParse(sample);
  if (!pair.success) return 'Prometheus answered a sample that is not [time, "value"]';
  // Go's float formatting, as Prometheus writes sample values: +Inf and -Inf are not JavaScript's.
  const text = pair.data[1];
  const value =
    text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text);
  if (Number.isNaN(value)) return 'NaN (no data yet: a rate over no requests?)';
  return value;
}

// https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview
const PrometheusAnswer = z.union([
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.enum(['matrix', 'vector', 'scalar', 'string']), result: z.unknown() }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

function prometheusError(body: string | undefined): string | undefined {
  const answer = PrometheusAnswer.safeParse(parseJson(body ?? ''));
  if (answer.success && answer.data.status === 'error') {
    return `Prometheus: ${answer.data.errorType ?? 'error'}: ${answer.data.error ?? ''}`.trim();
  }
  return undefined;
}

async function measureCommand(
  settings: Extract<AnalysisSettings, { type: 'command' }>,
  runtime: SourceRuntime,
  values: TemplateValues,
): Promise<SourceResult> {
  const command = renderShell(settings.command, values);
  let result: Awaited<ReturnType<typeof runShell>>;
  try {
    result = await runShell(command, { cwd: runtime.cwd, env: runtime.env, timeoutMs: settings.timeoutMs });
  } catch (error) {
    return { ok: false, error: `analysis-command could not start: ${(error as Error).message}` };
  }
  if (result.timedOut)
    return { ok: false, error: `analysis-command gave no answer within ${settings.timeoutMs} ms` };
  if (result.exitCode !== 0) {
    return {
      ok: false,
      error: `analysis-command exited with ${result.exitCode}: ${tail(result.stderr, 3, 300)}`,
    };
  }
  const parsed = z
    .object({ canary: z.record(z.string(), z.unknown()), stable: z.record(z.string(), z.unknown()) })
    .safeParse(parseJson(result.stdout));
  if (!parsed.success) {
    return { ok: false, error: 'analysis-command did not print {"canary": {...}, "stable": {...}} as JSON' };
  }
  return { ok: true, values: parsed.data };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
