import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { actions, componentInputNames, renderActionYml, renderGitLabTemplate, updateReadme } from '@mcp/core';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFile(join(root, path), 'utf8');

describe.each(Object.values(actions))('$spec.name metadata', (action) => {
  const { spec } = action;

  it('action.yml is the one generated from the spec, runs on node24 from the committed bundle', async () => {
    const text = await read(join(spec.name, 'action.yml'));
    expect(text).toBe(renderActionYml(spec));
    const doc = parse(text);
    expect(doc.runs).toEqual({ using: 'node24', main: `../dist/${spec.name}/index.js` });
    expect(Object.keys(doc.inputs)).toEqual(Object.keys(spec.inputs));
    expect(Object.keys(doc.outputs)).toEqual(Object.keys(spec.outputs));
    await expect(readFile(join(root, spec.name, doc.runs.main))).resolves.toBeTruthy();
  });

  it('the GitLab component declares the same inputs and passes each one to the CLI', async () => {
    const text = await read(join('templates', `${spec.name}.yml`));
    expect(text).toBe(renderGitLabTemplate(spec));
    const [header, body] = parseAllDocuments(text).map((d) => d.toJS());
    const declared = Object.keys(header.spec.inputs);
    expect(declared.sort()).toEqual(
      [...Object.keys(spec.inputs), ...Object.values(componentInputNames(spec))].sort(),
    );
    for (const input of Object.values(header.spec.inputs) as { default?: unknown; options?: unknown[] }[]) {
      // A component input without a default is mandatory; ours are all optional.
      expect(input.default).toBeTypeOf('string');
      if (input.options) expect(input.options).toContain(input.default);
    }
    const job = body['$[[ inputs.job-name ]]'];
    const script = job.script.join('\n');
    for (const name of Object.keys(spec.inputs)) {
      const variable = `MCP_IN_${name.replace(/-/g, '_').toUpperCase()}`;
      const value = `$[[ inputs.${name} ]]`;
      // Only the token may name another CI/CD variable; everything else is taken literally.
      expect(job.variables[variable]).toEqual(name === 'token' ? value : { value, expand: false });
      expect(script).toContain(`--${name} "$${variable}"`);
    }
    expect(job.artifacts.reports.dotenv).toBe('mcp.env');
  });

  it('the README lists every input and output', async () => {
    const readme = await read('README.md');
    expect(updateReadme(readme, spec)).toBe(readme);
    for (const name of [...Object.keys(spec.inputs), ...Object.keys(spec.outputs)]) {
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });
});
