import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = join(import.meta.dirname, '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built bundle as a child process, as the runner or a user would. */
export function runNode(
  script: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, script), ...args], {
      cwd: options.cwd,
      // A clean environment: nothing of the machine's CI variables leaks in. The GitHub emulator
      // has no secondary rate limit to respect: writes need not wait GitHub's second apart.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MCP_GITHUB_WRITE_INTERVAL_MS: '10',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `INPUT_*` as the runner sets them: every input of action.yml, its default unless given. */
export function actionInputs(action: string, given: Record<string, string>): Record<string, string> {
  const doc = parse(readFileSync(join(repoRoot, action, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const env: Record<string, string> = {};
  for (const [name, input] of Object.entries(doc.inputs)) {
    let value = given[name] ?? input.default ?? '';
    // The runner evaluates expressions in defaults; `${{ github.token }}` is the job token.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the action.yml default, a GitHub expression
    if (value === '${{ github.token }}') value = given.token ?? 'ghs_jobtoken000000000000';
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  for (const name of Object.keys(given)) {
    if (!(name in doc.inputs)) throw new Error(`test uses input ${name} that ${action}/action.yml lacks`);
  }
  return env;
}

/** The runner's GITHUB_OUTPUT file format: `name<<delimiter` … `delimiter`. */
export function readGitHubOutputs(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    outputs[name] = value.join('\n');
  }
  return outputs;
}

/** KEY=value lines of a dotenv report. */
export function readDotenv(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The markdown report a validate-metrics run left in `.mcp/reports/` (one gate per workspace). */
export function readGateReport(workspace: string): string {
  const dir = join(workspace, '.mcp', 'reports');
  const files = readdirSync(dir).filter((f) => f.startsWith('validate-metrics-') && f.endsWith('.md'));
  if (files.length !== 1)
    throw new Error(`expected one report in ${dir}, found ${files.join(', ') || 'none'}`);
  return readFileSync(join(dir, files[0] as string), 'utf8');
}

export const REPORT_PATH = /^\.mcp\/reports\/validate-metrics-metric-gate-[0-9a-f]{8}\.md$/;
