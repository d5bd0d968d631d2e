import { type ActionSpec, InputError, nearNames } from '@mcp/core';

export interface ParsedArgs {
  inputs: Record<string, string>;
  json: boolean;
  dotenv?: string;
}

/**
 * `--<input> <value>` or `--<input>=<value>`, input names exactly as in action.yml. A flag given
 * twice appends a line, so `--rules "a >= 1" --rules "b <= 2"` is two rules.
 */
export function parseArgs(spec: ActionSpec, argv: string[]): ParsedArgs {
  const parsed: ParsedArgs = { inputs: {}, json: false };
  const names = Object.keys(spec.inputs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') {
      parsed.json = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new InputError(
        `${spec.name}: unexpected argument "${arg}"; inputs are given as --<input> <value>`,
      );
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new InputError(`--${name}: expected a value after it`, name);
      i++;
    }
    if (name === 'dotenv') {
      parsed.dotenv = value;
      continue;
    }
    if (!names.includes(name)) {
      const near = nearNames(name, names);
      throw new InputError(
        `--${name}: ${spec.name} has no such input; ${near.length ? `did you mean ${near.map((n) => `--${n}`).join(', ')}?` : `inputs: ${names.join(', ')}`}`,
        name,
      );
    }
    const previous = parsed.inputs[name];
    parsed.inputs[name] = previous ? `${previous}\n${value}` : value;
  }
  return parsed;
}

export function helpFor(spec: ActionSpec): string {
  const lines = [
    `mcp ${spec.name}: ${spec.title}`,
    '',
    `usage: mcp ${spec.name} [--<input> <value>]... [--json]`,
    '',
  ];
  const width = Math.max(...Object.keys(spec.inputs).map((n) => n.length)) + 4;
  lines.push('inputs:');
  for (const [name, input] of Object.entries(spec.inputs)) {
    const extra = [
      input.choices ? `one of ${input.choices.join('|')}` : '',
      input.default ? `default ${JSON.stringify(input.default)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  --${name.padEnd(width - 2)}${input.description}${extra ? ` (${extra})` : ''}`);
  }
  lines.push('', 'outputs (with --json, one JSON object on stdout):');
  for (const [name, output] of Object.entries(spec.outputs))
    lines.push(`  ${name.padEnd(width)}${output.description}`);
  lines.push('', 'exit codes: 0 passed, 1 failed, 2 bad input');
  return lines.join('\n');
}
