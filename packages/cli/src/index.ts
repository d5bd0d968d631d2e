import { actions, createPlatform, ExitCode, InputError, runAction, validateMetricsSpec } from '@mcp/core';
import pkg from '../package.json' with { type: 'json' };
import { helpFor, parseArgs } from './args';
import { auditCommand } from './audit';
import { lineageCommand } from './lineage';
import { modelsCommand, promoteCommand } from './models';
import { profileCommand } from './profile';
import { runsCommand } from './runs';

const usage = `mcp ${pkg.version}: MLOps pipeline inside CI

usage: mcp <action> [--<input> <value>]... [--json]
       mcp comment --report <file>       post a report written by an earlier run (fork PRs)
       mcp audit verify|log              check / print the audit log on mcp-meta
       mcp runs list|best --name <name>  recorded training runs; the best of a sweep by --metric
       mcp lineage <model>@v<x.y.z>|<run-id>|<data>@v<n>   data → run → model, as text or Mermaid
       mcp models show [<name>]          the model registry: versions, stages, metrics
       mcp models history <name>         a model's registry events, oldest first
       mcp promote <name>@<version|latest> --stage <stage> [--unassign]   assign or remove a stage
       mcp profile <file> [--json]       a data profile of a CSV/TSV/JSONL/Parquet file
       mcp help [<action>]

actions: ${Object.keys(actions).join(', ')}
exit codes: 0 passed, 1 a gate failed, 2 bad input`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const action = rest[0] ? actions[rest[0]] : undefined;
    process.stdout.write(`${action ? helpFor(action.spec) : usage}\n`);
    return ExitCode.ok;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${pkg.version}\n`);
    return ExitCode.ok;
  }
  if (command === 'audit') return auditCommand(rest);
  if (command === 'runs') return runsCommand(rest);
  if (command === 'lineage') return lineageCommand(rest);
  if (command === 'models') return modelsCommand(rest);
  if (command === 'promote') return promoteCommand(rest);
  if (command === 'profile') return profileCommand(rest);
  // `mcp comment --report f` is validate-metrics posting a stored report.
  const name = command === 'comment' ? validateMetricsSpec.name : command;
  const action = actions[name];
  if (!action) {
    process.stderr.write(`error: unknown command "${command}"\n\n${usage}\n`);
    return ExitCode.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${helpFor(action.spec)}\n`);
    return ExitCode.ok;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(action.spec, rest);
    if (command === 'comment' && !args.inputs.report)
      throw new InputError('report: mcp comment needs --report <file>', 'report');
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    // --json promises one JSON object on stdout, even when the flags were wrong.
    if (rest.includes('--json')) process.stdout.write('{}\n');
    return ExitCode.usage;
  }
  const platform = await createPlatform({
    env: process.env,
    cwd: process.cwd(),
    inputs: args.inputs,
    dotenv: args.dotenv,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const code = await runAction(action, platform);
  if (args.json) process.stdout.write(`${JSON.stringify(platform.outputs())}\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
