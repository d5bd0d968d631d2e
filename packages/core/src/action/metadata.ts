import { stringify } from 'yaml';
import type { ActionSpec } from './spec';

/** Inputs only the GitLab component has: they shape the job, not the action. */
export const componentInputs = {
  'job-name': { description: 'Name of the job this component adds (default mcp-<action>).' },
  stage: { description: 'Stage the job runs in.', default: 'test' },
  // Debian-based: it has git, which baselines from the target branch need (alpine has none).
  image: { description: 'Container image with Node.js 20 or later and git.', default: 'node:24' },
  cli: { description: 'How the job runs the mcp CLI.', default: 'npx --yes @mcp/cli@1' },
} as const;

// Inputs whose values may name CI/CD variables (`$MCP_GITLAB_TOKEN`); all others reach the
// command exactly as written, with no `$` expansion.
const EXPANDED_INPUTS = new Set(['token']);

const header = (spec: ActionSpec) =>
  `# Generated from the ${spec.name} action's spec in packages/core by \`npm run build\`; edit it there.\n`;

/** The root `<name>/action.yml` that makes `uses: org/mcp/<name>@v1` resolve. */
export function renderActionYml(spec: ActionSpec): string {
  const inputs: Record<string, Record<string, unknown>> = {};
  for (const [name, input] of Object.entries(spec.inputs)) {
    const entry: Record<string, unknown> = { description: describe(input.description, input.choices) };
    entry.required = Boolean(input.required);
    const fallback = input.githubDefault ?? input.default;
    if (fallback !== undefined) entry.default = fallback;
    inputs[name] = entry;
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(spec.outputs))
    outputs[name] = { description: output.description };
  const doc = {
    name: `mcp ${spec.name}`,
    description: spec.title,
    author: 'mcp',
    branding: spec.branding,
    inputs,
    outputs,
    runs: { using: 'node24', main: `../dist/${spec.name}/index.js` },
  };
  return header(spec) + stringify(doc, { lineWidth: 0 });
}

/**
 * The component's own inputs as one action's template names them: one an action input also has
 * (register-model's `stage`, the model's stage) becomes `job-<name>` there.
 */
export function componentInputNames(spec: ActionSpec): Record<keyof typeof componentInputs, string> {
  const names = {} as Record<keyof typeof componentInputs, string>;
  for (const name of Object.keys(componentInputs) as (keyof typeof componentInputs)[]) {
    names[name] = name in spec.inputs ? `job-${name}` : name;
  }
  return names;
}

/** `templates/<name>.yml`: a GitLab CI/CD component running the same action through the CLI. */
export function renderGitLabTemplate(spec: ActionSpec): string {
  const inputs: Record<string, Record<string, unknown>> = {};
  const own = componentInputNames(spec);
  for (const [name, input] of Object.entries(componentInputs)) {
    inputs[own[name as keyof typeof componentInputs]] = {
      description: input.description,
      default: 'default' in input ? input.default : `mcp-${spec.name}`,
    };
  }
  const variables: Record<string, unknown> = {};
  const flags: string[] = [];
  for (const [name, input] of Object.entries(spec.inputs)) {
    const entry: Record<string, unknown> = { description: input.description, default: input.default ?? '' };
    // GitLab checks `options` when the pipeline is created, so a typo fails before any job runs.
    if (input.choices) entry.options = [...(input.default === undefined ? [''] : []), ...input.choices];
    inputs[name] = entry;
    // Values travel as variables and reach the shell quoted, so rule text like `a >= b` can never
    // break or inject into the command line.
    const variable = `MCP_IN_${name.replace(/-/g, '_').toUpperCase()}`;
    const value = `$[[ inputs.${name} ]]`;
    variables[variable] = EXPANDED_INPUTS.has(name) ? value : { value, expand: false };
    flags.push(`--${name} "$${variable}"`);
  }
  const job = {
    stage: `$[[ inputs.${own.stage} ]]`,
    image: `$[[ inputs.${own.image} ]]`,
    variables,
    script: [`$[[ inputs.${own.cli} ]] ${spec.name} ${flags.join(' ')}`],
    artifacts: {
      when: 'always',
      expose_as: `mcp ${spec.name} report`,
      // Reports, the summary, and outputs too big for the dotenv report.
      paths: ['.mcp/reports/', '.mcp/summary.md', '.mcp/outputs/'],
      reports: { dotenv: 'mcp.env' },
    },
  };
  const specDoc = stringify({ spec: { inputs } }, { lineWidth: 0 });
  const jobDoc = stringify({ [`$[[ inputs.${own['job-name']} ]]`]: job }, { lineWidth: 0 });
  return `${header(spec)}${specDoc}---\n${jobDoc}`;
}

function describe(description: string, choices?: readonly string[]): string {
  return choices ? `${description} One of: ${choices.join(', ')}.` : description;
}

/** The inputs/outputs tables of an action for the README (between its generated-block markers). */
export function renderReadmeTables(spec: ActionSpec): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const inputs = Object.entries(spec.inputs).map(([name, input]) => {
    const values = input.choices ? input.choices.map((c) => `\`${c}\``).join(' \\| ') : '';
    const fallback = input.githubDefault ?? input.default;
    return `| \`${name}\` | ${cell(input.description)} | ${values} | ${fallback ? `\`${cell(fallback)}\`` : ''} |`;
  });
  const outputs = Object.entries(spec.outputs).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
  );
  return [
    '| input | what it is | values | default |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| output | what it is |',
    '| --- | --- |',
    ...outputs,
  ].join('\n');
}

const readmeBlock = (name: string) => [`<!-- generated:${name} -->`, `<!-- /generated:${name} -->`] as const;

/** README text with the action's generated block replaced; unchanged when it has no block. */
export function updateReadme(readme: string, spec: ActionSpec): string {
  const [open, close] = readmeBlock(spec.name);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start === -1 || end === -1) return readme;
  return `${readme.slice(0, start + open.length)}\n${renderReadmeTables(spec)}\n${readme.slice(end)}`;
}
