import { spawn } from 'node:child_process';
import { MetaBranchError } from './errors';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitCall {
  env: NodeJS.ProcessEnv;
  input?: string | Buffer;
}

/**
 * One git process. Plumbing output is read as bytes (`-z` lists, `cat-file --batch`), and some
 * failures are answers ("no such remote ref", "push rejected"), so the caller judges the exit code.
 */
export function runGit(cwd: string, args: string[], call: GitCall): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: call.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new MetaBranchError('git is not installed or not on PATH') : error);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr }));
    // git may exit before reading all of stdin (a bad revision): that is reported by its exit code.
    child.stdin.on('error', () => {});
    child.stdin.end(call.input ?? '');
  });
}

/** The first meaningful line of git's complaint, for an error message. */
export function gitComplaint(result: GitResult): string {
  const lines = result.stderr.split('\n').map((l) => l.trim());
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.find((l) => l !== '') ?? '';
  return line.replace(/^(fatal|error): /, '') || `git exited with code ${result.code}`;
}
