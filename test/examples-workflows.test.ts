// The workflows users copy must run as written: each GitHub workflow parses with GitHub's own
// parser (@actions/workflow-parser), each GitLab file as YAML, and every step that uses an mcp
// action or component passes only inputs that action declares (its generated action.yml /
// templates/<name>.yml), with every required one given. Chaining between workflows
// (`gh workflow run x.yml -f k=v`, validate-data's `trigger`, register-model's `dispatch`) names a
// workflow that exists and declares, under workflow_dispatch, every input it is started with
// (GitHub answers 422 to an undeclared one). The README's register-model and deploy-canary
// snippets are checked the same way.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type * as WorkflowParser from '@actions/workflow-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DISPATCH_INPUTS } from '../packages/core/src/registry/action';
import { TRIGGER_INPUTS } from '../packages/core/src/validate-data/validate-data';
import { bundledModule } from './helpers/jobs';
import { repoRoot } from './helpers/run';

// @actions/workflow-parser 0.3.61 imports its JSON schemas without `with { type: 'json' }`, which
// Node refuses (actions/languageservices#387); bundled by vite, the JSON is inlined.
let parser: typeof WorkflowParser;
const parserBundle = bundledModule(
  join(repoRoot, 'node_modules', '@actions', 'workflow-parser', 'dist', 'index.js'),
);
beforeAll(async () => {
  parser = await import(parserBundle());
});

/** The inputs mcp starts a workflow with, per action and the input naming the workflow. */
const STARTS: Record<string, { input: string; sends: readonly string[] }> = {
  'validate-data': { input: 'trigger', sends: TRIGGER_INPUTS },
  'register-model': { input: 'dispatch', sends: DISPATCH_INPUTS },
};

/** Workflow files users copy, and the project's own CI. */
function githubWorkflows(): string[] {
  const found = [join(repoRoot, '.github', 'workflows', 'ci.yml')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (/\.ya?ml$/.test(entry.name) && isGithubWorkflow(path)) found.push(path);
    }
  };
  walk(join(repoRoot, 'examples'));
  return found.sort();
}

function isGithubWorkflow(path: string): boolean {
  return /[/\\]\.github[/\\]workflows[/\\]/.test(path) || /[/\\]examples[/\\]workflows[/\\]/.test(path);
}

function gitlabFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (/gitlab-ci\.ya?ml$/.test(entry.name)) found.push(path);
    }
  };
  walk(join(repoRoot, 'examples'));
  return found.sort();
}

interface Declared {
  inputs: Map<string, { required: boolean }>;
}

/** `org/mcp/<action>@v1` or `./<action>` → the action's declared inputs; undefined when it is not ours. */
function mcpAction(uses: string): { name: string } | undefined {
  const match = /^(?:org\/mcp\/([a-z-]+)@v\d+|\.\/([a-z-]+))$/.exec(uses);
  const name = match?.[1] ?? match?.[2];
  return name ? { name } : undefined;
}

function actionInputs(name: string): Declared | undefined {
  const file = join(repoRoot, name, 'action.yml');
  if (!existsSync(file)) return undefined;
  const doc = parse(readFileSync(file, 'utf8')) as {
    inputs?: Record<string, { required?: boolean; default?: string }>;
  };
  return {
    inputs: new Map(
      Object.entries(doc.inputs ?? {}).map(([input, spec]) => [
        input,
        { required: spec.required === true && spec.default === undefined },
      ]),
    ),
  };
}

function componentInputs(name: string): Declared | undefined {
  const file = join(repoRoot, 'templates', `${name}.yml`);
  if (!existsSync(file)) return undefined;
  const [header] = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
  const inputs = (header?.spec?.inputs ?? {}) as Record<string, { default?: unknown }>;
  return {
    inputs: new Map(
      Object.entries(inputs).map(([input, spec]) => [input, { required: !('default' in (spec ?? {})) }]),
    ),
  };
}

interface ActionUse {
  where: string;
  uses: string;
  with: Map<string, string>;
}

interface ParsedWorkflow {
  errors: string[];
  uses: ActionUse[];
  runs: string[];
  dispatchInputs?: Set<string>;
}

async function readWorkflow(file: string, content = readFileSync(file, 'utf8')): Promise<ParsedWorkflow> {
  const name = relative(repoRoot, file);
  const { convertWorkflowTemplate, isMapping, isSequence, NoOperationTraceWriter, parseWorkflow } = parser;
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (!result.value) return { errors, uses: [], runs: [] };
  const template = await convertWorkflowTemplate(result.context, result.value);
  errors.push(...(template.errors ?? []).map((e) => e.Message));
  // The converted steps drop `with:`; the parsed token tree (already schema-checked) keeps it.
  const uses: ActionUse[] = [];
  const runs: string[] = [];
  const root = result.value;
  const jobs = isMapping(root) ? root.find('jobs') : undefined;
  for (const job of jobs && isMapping(jobs) ? jobs : []) {
    const steps = isMapping(job.value) ? job.value.find('steps') : undefined;
    if (!steps || !isSequence(steps)) continue;
    let i = 0;
    for (const step of steps) {
      i++;
      if (!isMapping(step)) continue;
      const where = `${name}: job ${job.key.toString()}, step ${i}`;
      const run = step.find('run');
      if (run) runs.push(run.toString());
      const usesToken = step.find('uses');
      if (!usesToken) continue;
      const given = new Map<string, string>();
      const withToken = step.find('with');
      if (withToken && isMapping(withToken)) {
        for (const pair of withToken) given.set(pair.key.toString(), pair.value.toString());
      }
      uses.push({ where, uses: usesToken.toString(), with: given });
    }
  }
  const dispatch = template.events?.workflow_dispatch;
  return {
    errors,
    uses,
    runs,
    dispatchInputs: dispatch ? new Set(Object.keys(dispatch.inputs ?? {})) : undefined,
  };
}

/** What is wrong with the inputs given to one mcp action or component, as lines. */
function checkInputs(
  where: string,
  kind: 'action' | 'component',
  name: string,
  declared: Declared | undefined,
  given: Iterable<string>,
): string[] {
  if (!declared) {
    const file = kind === 'action' ? `${name}/action.yml` : `templates/${name}.yml`;
    return [`${where}: uses the ${kind} ${name}, but ${file} does not exist (not built yet?)`];
  }
  const problems: string[] = [];
  const givenSet = new Set(given);
  for (const input of givenSet) {
    if (!declared.inputs.has(input)) {
      problems.push(
        `${where}: ${name} has no input "${input}" (it declares ${[...declared.inputs.keys()].join(', ')})`,
      );
    }
  }
  for (const [input, spec] of declared.inputs) {
    if (spec.required && !givenSet.has(input)) problems.push(`${where}: ${name} needs input "${input}"`);
  }
  return problems;
}

async function problemsOf(file: string): Promise<string[]> {
  const workflow = await readWorkflow(file);
  const problems = workflow.errors.map((e) => `${relative(repoRoot, file)}: ${e}`);
  for (const use of workflow.uses) {
    const action = mcpAction(use.uses);
    if (!action) continue;
    problems.push(
      ...checkInputs(use.where, 'action', action.name, actionInputs(action.name), use.with.keys()),
    );
    const starts = STARTS[action.name];
    const target = starts && use.with.get(starts.input);
    if (starts && target) {
      problems.push(
        ...(await checkDispatch(file, `${use.where} (${starts.input})`, target, new Set(starts.sends))),
      );
    }
  }
  for (const run of workflow.runs) {
    for (const match of run.matchAll(/gh workflow run ([\w.-]+\.ya?ml)([^\n]*)/g)) {
      const fields = new Set(
        [...(match[2] ?? '').matchAll(/(?:-f|--field|-F|--raw-field)\s+([\w-]+)=/g)].map((m) => m[1] ?? ''),
      );
      problems.push(...(await checkDispatch(file, relative(repoRoot, file), match[1] ?? '', fields)));
    }
  }
  return problems;
}

/**
 * A workflow started by workflow_dispatch from `from`: it sits beside it (or is given, as a
 * README snippet is) and declares these inputs.
 */
async function checkDispatch(
  from: string,
  where: string,
  target: string,
  fields: Set<string>,
  targetContent?: string,
) {
  const file = join(dirname(from), target);
  if (targetContent === undefined && !existsSync(file))
    return [`${where}: dispatches ${target}, which is not in ${relative(repoRoot, dirname(from))}`];
  const inputs = (await readWorkflow(file, targetContent)).dispatchInputs;
  if (!inputs) return [`${where}: dispatches ${target}, which has no workflow_dispatch trigger`];
  return [...fields]
    .filter((field) => !inputs.has(field))
    .map((field) => `${where}: dispatches ${target} with input "${field}", which it does not declare`);
}

function gitlabProblems(file: string): string[] {
  const where = relative(repoRoot, file);
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { include?: unknown };
  const includes = Array.isArray(doc.include) ? doc.include : doc.include ? [doc.include] : [];
  const problems: string[] = [];
  const componentJobs = new Set<string>();
  // Rollouts and rollbacks of one environment share the resource group deploy-<environment>.
  const deployGroups = new Map<string, string>();
  for (const entry of includes as { component?: string; inputs?: Record<string, unknown> }[]) {
    const match = /^gitlab\.com\/org\/mcp\/([a-z-]+)@\d+/.exec(entry.component ?? '');
    if (!match?.[1]) continue;
    const job = String(entry.inputs?.['job-name'] ?? `mcp-${match[1]}`);
    componentJobs.add(job);
    if (match[1] === 'deploy-canary') deployGroups.set(job, `deploy-${entry.inputs?.environment ?? ''}`);
    // validate-data's `trigger` starts a pipeline with MCP_WORKFLOW=<trigger>: some rule must ask for it.
    const trigger = match[1] === 'validate-data' ? entry.inputs?.trigger : undefined;
    if (trigger && !readFileSync(file, 'utf8').includes(`$MCP_WORKFLOW == "${trigger}"`)) {
      problems.push(
        `${where}: trigger ${trigger} starts a pipeline no rule runs ($MCP_WORKFLOW == "${trigger}")`,
      );
    }
    problems.push(
      ...checkInputs(
        `${where}: ${entry.component}`,
        'component',
        match[1],
        componentInputs(match[1]),
        Object.keys(entry.inputs ?? {}),
      ),
    );
  }
  // A job without a script only completes a component's job: it must name one.
  const keywords = new Set([
    'stages',
    'variables',
    'include',
    'default',
    'workflow',
    'image',
    'services',
    'cache',
  ]);
  for (const [key, value] of Object.entries(doc)) {
    if (keywords.has(key) || key.startsWith('.') || typeof value !== 'object' || value === null) continue;
    if (!('script' in value) && !('trigger' in value) && !componentJobs.has(key)) {
      problems.push(`${where}: job ${key} has no script and no component adds a job of that name`);
    }
    const script = [(value as { script?: unknown }).script].flat().join('\n');
    const rollback = /\brollback\s+--environment\s+"?(\$\w+)/.exec(script);
    const group = deployGroups.get(key) ?? (rollback ? `deploy-${rollback[1]}` : undefined);
    const given = (value as { resource_group?: unknown }).resource_group;
    if (group && given !== group) {
      problems.push(`${where}: job ${key} has resource_group ${given ?? '(none)'}, expected ${group}`);
    }
  }
  return problems;
}

describe('the workflows users copy', () => {
  const workflows = githubWorkflows();
  const gitlab = gitlabFiles();

  it('are there: the example project’s train, comment, release, deploy and drift workflows and the project’s CI', () => {
    const names = workflows.map((f) => basename(f));
    for (const name of ['ci.yml', 'train.yml', 'comment.yml', 'release.yml', 'deploy.yml', 'drift.yml']) {
      expect(names).toContain(name);
    }
    expect(gitlab.length).toBeGreaterThan(0);
  });

  it.each(workflows.map((f) => [relative(repoRoot, f), f]))(
    '%s parses and passes only declared inputs to mcp actions',
    async (_, file) => {
      expect(await problemsOf(file)).toEqual([]);
    },
  );

  it.each(gitlab.map((f) => [relative(repoRoot, f), f]))(
    '%s passes only declared inputs to mcp components',
    (_, file) => {
      expect(gitlabProblems(file)).toEqual([]);
    },
  );

  it('README: register-model’s `dispatch: deploy.yml` starts the deploy.yml shown, which declares the inputs it is sent', async () => {
    const readme = join(repoRoot, 'README.md');
    const blocks = [...readFileSync(readme, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map(
      (m) => m[1] ?? '',
    );
    const dispatching = blocks.filter((b) => /org\/mcp\/register-model@v\d+/.test(b) && /dispatch:/.test(b));
    expect(dispatching.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const block of dispatching) {
      const target = /^\s*dispatch:\s*([\w.-]+)/m.exec(block)?.[1] ?? '';
      const shown = blocks.find((b) => b.startsWith(`# .github/workflows/${target} `));
      if (!shown) {
        problems.push(`README: register-model dispatches ${target}, which no snippet shows`);
        continue;
      }
      problems.push(
        ...(await checkDispatch(readme, 'README: register-model', target, new Set(DISPATCH_INPUTS), shown)),
      );
    }
    expect(problems).toEqual([]);
  });

  it('every mcp action the examples use is used with a matching uses: reference', async () => {
    const used = new Set<string>();
    for (const file of workflows) {
      for (const use of (await readWorkflow(file)).uses) {
        const action = mcpAction(use.uses);
        if (action) used.add(action.name);
      }
    }
    // The loop of the example: every action of mcp appears in some workflow.
    for (const name of [
      'version-data',
      'train',
      'validate-metrics',
      'validate-data',
      'register-model',
      'deploy-canary',
    ]) {
      expect([...used]).toContain(name);
    }
  });
});

describe('the checks themselves', () => {
  const dir = join(repoRoot, 'examples', 'weather', '.github', 'workflows');

  it('catch an input an action does not have, a missing required one, and a parse error', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcp-wf-'));
    try {
      const bad = join(tmp, 'bad.yml');
      writeFileSync(
        bad,
        [
          'on: push',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - uses: org/mcp/validate-metrics@v1',
          '        with: { metrics: m.json, threshhold: 0.8 }',
          '      - uses: org/mcp/train@v1',
          '        with: { name: x }',
          '      - run: gh workflow run nowhere.yml -f a=b',
        ].join('\n'),
      );
      const problems = await problemsOf(bad);
      expect(problems.some((p) => p.includes('no input "threshhold"'))).toBe(true);
      expect(problems.some((p) => p.includes('needs input "command"'))).toBe(true);
      expect(problems.some((p) => p.includes('dispatches nowhere.yml'))).toBe(true);

      writeFileSync(bad, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n');
      expect((await problemsOf(bad)).length).toBeGreaterThan(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(true);
  });

  it('catch a workflow started by `trigger` or `dispatch` that does not declare the inputs mcp sends', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcp-wf-'));
    try {
      const target = (inputs: string[]) =>
        [
          'on:',
          '  workflow_dispatch:',
          '    inputs:',
          ...inputs.map((i) => `      ${i}: { required: false }`),
          'jobs:',
          '  a: { runs-on: ubuntu-latest, steps: [{ run: echo }] }',
        ].join('\n');
      writeFileSync(join(tmp, 'target.yml'), target(['data']));
      const from = join(tmp, 'from.yml');
      writeFileSync(
        from,
        [
          'on: push',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - uses: org/mcp/validate-data@v1',
          '        with: { reference: weather@1, current: weather@2, trigger: target.yml }',
          '      - uses: org/mcp/register-model@v1',
          '        with: { name: weather, path: model/, dispatch: target.yml }',
        ].join('\n'),
      );
      const problems = await problemsOf(from);
      for (const input of TRIGGER_INPUTS)
        expect(problems).toContainEqual(
          expect.stringMatching(new RegExp(`\\(trigger\\): dispatches target\\.yml with input "${input}"`)),
        );
      for (const input of DISPATCH_INPUTS)
        expect(problems).toContainEqual(
          expect.stringMatching(new RegExp(`\\(dispatch\\): dispatches target\\.yml with input "${input}"`)),
        );
      // Declaring what both send is enough.
      writeFileSync(join(tmp, 'target.yml'), target([...new Set([...TRIGGER_INPUTS, ...DISPATCH_INPUTS])]));
      expect(await problemsOf(from)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('catch a component input that does not exist', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcp-gl-'));
    try {
      const file = join(tmp, '.gitlab-ci.yml');
      writeFileSync(
        file,
        'include:\n  - component: gitlab.com/org/mcp/train@1\n    inputs: { command: make, nmae: x }\n',
      );
      expect(gitlabProblems(file)).toEqual([expect.stringContaining('no input "nmae"')]);
      writeFileSync(
        file,
        [
          'include:',
          '  - component: gitlab.com/org/mcp/deploy-canary@1',
          '    inputs: { job-name: canary, model: m, version: 1.0.0, environment: production }',
          '  - component: gitlab.com/org/mcp/validate-data@1',
          '    inputs: { reference: d@1, current: d@2, trigger: retrain }',
          'canary: { resource_group: production }',
          'mcp-validate-data: { rules: [{ if: $RETRAIN == "true" }] }',
          'rollback:',
          '  resource_group: rollback-$ENV',
          '  script: [npx --yes @mcp/cli@1 rollback --environment "$ENV"]',
        ].join('\n'),
      );
      expect(gitlabProblems(file)).toEqual([
        expect.stringContaining('trigger retrain starts a pipeline no rule runs'),
        expect.stringContaining('job canary has resource_group production, expected deploy-production'),
        expect.stringContaining('job rollback has resource_group rollback-$ENV, expected deploy-$ENV'),
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
