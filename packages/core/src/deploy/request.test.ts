import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { analysisSettings, parseHeaders, providerSettings, readSteps } from './request';

const provider = (given: Record<string, string>) => ({
  provider: '',
  'set-weight': '',
  'router-url': '',
  body: '',
  'router-headers': '',
  'gitops-file': '',
  'gitops-set': '',
  'gitops-branch': '',
  'gitops-remote': '',
  'provider-timeout': '',
  ...given,
});

const steps = (given: Record<string, string>) => ({
  steps: '10,50',
  interval: '30s',
  count: '2',
  success: 'canary.error_rate < 0.02',
  failure: '',
  'failure-limit': '',
  'inconclusive-limit': '',
  ...given,
});

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no InputError');
}

describe('deploy inputs', () => {
  it('records header names only, and refuses a line that is not a header', () => {
    const settings = providerSettings(
      provider({
        provider: 'http',
        'router-url': 'https://router/admin',
        'router-headers': 'Authorization: Bearer s3cret\nX-Team: ml',
      }),
      'refs/heads/main',
    );
    expect(settings).toMatchObject({
      type: 'http',
      headerNames: ['Authorization', 'X-Team'],
      timeoutMs: 120_000,
    });
    expect(JSON.stringify(settings)).not.toContain('s3cret');
    expect(inputError(() => parseHeaders('Bearer s3cret', 'router-headers')).message).toBe(
      'router-headers line 1: expected `Name: value`, found a line without a header name',
    );
  });

  it('names the input a provider needs, and the branch a gitops commit goes to', () => {
    expect(inputError(() => providerSettings(provider({}), undefined)).message).toBe(
      'provider: "" is not command, http or gitops (how traffic is split)',
    );
    expect(inputError(() => providerSettings(provider({ provider: 'command' }), undefined)).message).toBe(
      'set-weight: required when provider is command',
    );
    const gitops = provider({
      provider: 'gitops',
      'gitops-file': 'k8s/vs.yaml',
      'gitops-set': 'spec.http[0].route[1].weight = {weight}',
    });
    expect(providerSettings(gitops, 'refs/heads/main')).toMatchObject({
      branch: 'main',
      remote: 'origin',
      set: [{ path: 'spec.http[0].route[1].weight', value: '{weight}' }],
    });
    expect(inputError(() => providerSettings(gitops, 'refs/pull/7/merge')).input).toBe('gitops-branch');
  });

  it('bakes each step for the interval when nothing is measured, and measures count times when something is', () => {
    expect(readSteps(steps({}), false).map((s) => [s.weight, s.count, s.pauseMs])).toEqual([
      [10, 0, 30_000],
      [50, 0, 30_000],
      [100, 0, 0],
    ]);
    expect(readSteps(steps({}), true).map((s) => [s.weight, s.count, s.pauseMs])).toEqual([
      [10, 2, 0],
      [50, 2, 0],
      [100, 0, 0],
    ]);
    expect(inputError(() => readSteps(steps({ interval: 'soon' }), true)).input).toBe('interval');
  });

  it('needs the settings of the analysis source it is given', () => {
    const base = {
      analysis: 'prometheus',
      'canary-url': '',
      'stable-url': '',
      'prometheus-url': 'http://prometheus:9090',
      queries: '',
      'analysis-command': '',
      'analysis-headers': '',
      'analysis-timeout': '',
    };
    expect(analysisSettings({ ...base, analysis: 'none' })).toBeUndefined();
    expect(inputError(() => analysisSettings(base)).message).toBe(
      'queries: required when analysis is prometheus',
    );
    expect(
      analysisSettings({ ...base, queries: 'error_rate: sum(rate(errors{version="{version}"}[1m]))' }),
    ).toMatchObject({
      type: 'prometheus',
      queries: { error_rate: 'sum(rate(errors{version="{version}"}[1m]))' },
      timeoutMs: 30_000,
    });
  });
});
