import { InputError, validateMetricsSpec } from '@mcp/core';
import { describe, expect, it } from 'vitest';
import { helpFor, parseArgs } from './args';

describe('CLI flags', () => {
  it('takes --input value and --input=value, with names exactly as in action.yml', () => {
    const parsed = parseArgs(validateMetricsSpec, ['--metrics', 'm.json', '--fail-on=never', '--json']);
    expect(parsed).toEqual({ inputs: { metrics: 'm.json', 'fail-on': 'never' }, json: true });
  });

  it('joins a repeated flag into lines, so several rules can be given one by one', () => {
    const parsed = parseArgs(validateMetricsSpec, ['--rules', 'f1 >= 0.8', '--rules', 'loss <= 0.3']);
    expect(parsed.inputs.rules).toBe('f1 >= 0.8\nloss <= 0.3');
  });

  it('keeps an empty value (the GitLab component passes unset inputs as "")', () => {
    expect(parseArgs(validateMetricsSpec, ['--baseline', '']).inputs.baseline).toBe('');
  });

  it('refuses an unknown flag with the near input names', () => {
    expect(() => parseArgs(validateMetricsSpec, ['--metric-file', 'x'])).toThrow(InputError);
    expect(() => parseArgs(validateMetricsSpec, ['--treshold', '0.8'])).toThrow(/did you mean --threshold/);
  });

  it('refuses a flag without a value and a bare argument', () => {
    expect(() => parseArgs(validateMetricsSpec, ['--metrics'])).toThrow(
      '--metrics: expected a value after it',
    );
    expect(() => parseArgs(validateMetricsSpec, ['metrics.json'])).toThrow(
      /unexpected argument "metrics.json"/,
    );
  });

  it('documents every input and output in --help', () => {
    const help = helpFor(validateMetricsSpec);
    for (const name of Object.keys(validateMetricsSpec.inputs)) expect(help).toContain(`--${name}`);
    for (const name of Object.keys(validateMetricsSpec.outputs)) expect(help).toContain(`  ${name}`);
  });
});
