import { InputError } from '../errors';
import { parseConditions } from './conditions';
import { parseSetLines } from './gitops-file';
import { DEFAULT_HTTP_BODY, type ProviderSettings } from './providers';
import type { AnalysisSettings } from './sources';
import { parseQueries } from './sources';
import { parseDuration, parseLimit, parseMeasurementCount, parseSteps, type Step } from './steps';

/** The provider inputs shared by deploy-canary and rollback. */
export type ProviderInputs = Record<
  | 'provider'
  | 'set-weight'
  | 'router-url'
  | 'body'
  | 'router-headers'
  | 'gitops-file'
  | 'gitops-set'
  | 'gitops-branch'
  | 'gitops-remote'
  | 'provider-timeout',
  string
>;

export type AnalysisInputs = Record<
  | 'analysis'
  | 'canary-url'
  | 'stable-url'
  | 'prometheus-url'
  | 'queries'
  | 'analysis-command'
  | 'analysis-headers'
  | 'analysis-timeout',
  string
>;

export type StepInputs = Record<
  'steps' | 'interval' | 'count' | 'success' | 'failure' | 'failure-limit' | 'inconclusive-limit',
  string
>;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** `Name: value` lines; the values are secrets (tokens), kept out of records and logs. */
export function parseHeaders(text: string, input: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) {
      throw new InputError(
        `${input} line ${i + 1}: expected \`Name: value\`, found a line without a header name`,
        input,
      );
    }
    headers[name] = line.slice(colon + 1).trim();
  });
  return headers;
}

/** `refs/heads/main` → `main`; a pull request's merge ref names no branch to push to. */
function branchOf(ref: string | undefined): string | undefined {
  if (!ref || ref.startsWith('refs/pull/') || ref.startsWith('refs/tags/')) return undefined;
  return ref.replace(/^refs\/heads\//, '');
}

function required(inputs: Record<string, string>, name: string, why: string): string {
  const value = inputs[name] ?? '';
  if (value.trim() === '') throw new InputError(`${name}: required ${why}`, name);
  return value;
}

/** The provider as the inputs describe it (checked further by `createProvider`). */
export function providerSettings(inputs: ProviderInputs, ref: string | undefined): ProviderSettings {
  const timeoutMs = parseDuration(inputs['provider-timeout'] || '2m', 'provider-timeout');
  switch (inputs.provider) {
    case 'command':
      return {
        type: 'command',
        setWeight: required(inputs, 'set-weight', 'when provider is command'),
        timeoutMs,
      };
    case 'http':
      return {
        type: 'http',
        url: required(inputs, 'router-url', 'when provider is http'),
        body: inputs.body || DEFAULT_HTTP_BODY,
        headerNames: Object.keys(parseHeaders(inputs['router-headers'], 'router-headers')),
        timeoutMs,
      };
    case 'gitops': {
      const set = required(inputs, 'gitops-set', 'when provider is gitops');
      parseSetLines(set, 'gitops-set');
      const branch = inputs['gitops-branch'] || branchOf(ref);
      if (!branch) {
        throw new InputError(
          `gitops-branch: the job runs on ${ref ?? 'no branch'}; name the branch the weights are pushed to`,
          'gitops-branch',
        );
      }
      return {
        type: 'gitops',
        file: required(inputs, 'gitops-file', 'when provider is gitops'),
        set: set
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#'))
          .map((line) => {
            const eq = line.indexOf('=');
            return { path: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
          }),
        branch,
        remote: inputs['gitops-remote'] || 'origin',
        timeoutMs,
      };
    }
    default:
      throw new InputError(
        `provider: ${JSON.stringify(inputs.provider)} is not command, http or gitops (how traffic is split)`,
        'provider',
      );
  }
}

/** The analysis source's settings; undefined for `none`. */
export function analysisSettings(inputs: AnalysisInputs): AnalysisSettings | undefined {
  const timeoutMs = parseDuration(inputs['analysis-timeout'] || '30s', 'analysis-timeout');
  const headerNames = () => Object.keys(parseHeaders(inputs['analysis-headers'], 'analysis-headers'));
  switch (inputs.analysis || 'none') {
    case 'none':
      return undefined;
    case 'http':
      return {
        type: 'http',
        canaryUrl: required(inputs, 'canary-url', 'when analysis is http'),
        stableUrl: required(inputs, 'stable-url', 'when analysis is http'),
        headerNames: headerNames(),
        timeoutMs,
      };
    case 'prometheus':
      return {
        type: 'prometheus',
        url: required(inputs, 'prometheus-url', 'when analysis is prometheus'),
        queries: parseQueries(required(inputs, 'queries', 'when analysis is prometheus')),
        headerNames: headerNames(),
        timeoutMs,
      };
    case 'command':
      return {
        type: 'command',
        command: required(inputs, 'analysis-command', 'when analysis is command'),
        timeoutMs,
      };
    default:
      throw new InputError(
        `analysis: ${JSON.stringify(inputs.analysis)} is not none, http, prometheus or command`,
        'analysis',
      );
  }
}

/**
 * The steps with the defaults of the inputs. Without an analysis source nothing is measured:
 * each step below 100% bakes for `interval` instead.
 */
export function readSteps(inputs: StepInputs, analysed: boolean): Step[] {
  const intervalMs = parseDuration(inputs.interval || '1m', 'interval');
  const steps = parseSteps(inputs.steps, {
    intervalMs,
    count: analysed ? parseMeasurementCount(inputs.count || '3', 'count') : 0,
    success: parseConditions(inputs.success, 'success'),
    failure: parseConditions(inputs.failure, 'failure'),
    failureLimit: parseLimit(inputs['failure-limit'] || '0', 'failure-limit'),
    inconclusiveLimit: parseLimit(inputs['inconclusive-limit'] || '1', 'inconclusive-limit'),
  });
  if (analysed) return steps;
  return steps.map((step) =>
    step.count === 0 && step.pauseMs === 0 && step.weight < 100 ? { ...step, pauseMs: intervalMs } : step,
  );
}
