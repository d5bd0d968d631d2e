import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTemplate, renderJson, renderPromql, renderShell, renderUrl } from './template';

/** What bash receives as $1 when it runs `printf %s <rendered>`. */
function bashPrints(command: string): string {
  return execFileSync('bash', ['--noprofile', '--norc', '-c', `printf %s ${command}`], { encoding: 'utf8' });
}

describe('templates', () => {
  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: the shell's own ${…}, in plain strings on purpose
  it('reject unknown placeholders with a hint, and leave the shell’s own ${…} alone', () => {
    expect(() => checkTemplate('kubectl patch --v {verison}', 'set-weight')).toThrow(
      'set-weight: unknown placeholder {verison} (did you mean {version}?)',
    );
    expect(() => checkTemplate('echo ${HOME} ${weight} {weight}', 'set-weight')).not.toThrow();
    expect(renderShell('echo ${weight} {weight}', { weight: 10 })).toBe("echo ${weight} '10'");
  });
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: the shell's own ${…}

  it('render JSON bodies with numbers as numbers and strings escaped', () => {
    const body = renderJson('{"v": "{version}", "w": {weight}, "m": {model}, "s": "x{stable_version}y"}', {
      version: 'a"b',
      weight: 12.5,
      model: 'fraud',
      stable_version: '\\n',
    });
    expect(JSON.parse(body)).toEqual({ v: 'a"b', w: 12.5, m: 'fraud', s: 'x\\ny' });
  });

  it('render PromQL with values escaped inside string literals', () => {
    expect(renderPromql('sum(rate(x{version="{version}"}[1m]))', { version: 'v"1' })).toBe(
      'sum(rate(x{version="v\\"1"}[1m]))',
    );
    expect(renderUrl('http://h/stats?v={version}', { version: 'a&b=c/d' })).toBe(
      'http://h/stats?v=a%26b%3Dc%2Fd',
    );
  });

  // Any value, wherever the placeholder stands, reaches the command as exactly that text.
  const value = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.includes('\0'));

  it('quote values for bash bare, in double quotes and in single quotes', () => {
    fc.assert(
      fc.property(value, (version) => {
        expect(bashPrints(renderShell('{version}', { version }))).toBe(version);
        expect(bashPrints(renderShell('"v={version}!"', { version }))).toBe(`v=${version}!`);
        expect(bashPrints(renderShell("'<{version}>'", { version }))).toBe(`<${version}>`);
        expect(bashPrints(renderShell('pre{version}"mid"\'{version}\'', { version }))).toBe(
          `pre${version}mid${version}`,
        );
      }),
      { numRuns: 25 },
    );
  });
});
