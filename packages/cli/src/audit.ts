import { ExitCode, formatAuditLog, readAudit, verifyAudit } from '@mcp/core';
import { readMeta } from './meta';

/**
 * `mcp audit verify` checks the hash chain of the audit log on mcp-meta and names the first
 * broken link; `mcp audit log` prints the events. Both read the remote `origin` of the repo here.
 */
export async function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const remote = flag(rest, '--remote') ?? 'origin';
  const branch = flag(rest, '--branch') ?? 'mcp-meta';
  if (sub !== 'verify' && sub !== 'log') {
    process.stderr.write('error: usage: mcp audit verify|log [--remote origin] [--branch mcp-meta]\n');
    return ExitCode.usage;
  }
  const meta = readMeta({ remote, branch });
  try {
    if (sub === 'log') {
      process.stdout.write(`${formatAuditLog(await readAudit(meta))}\n`);
      return ExitCode.ok;
    }
    const result = await verifyAudit(meta);
    (result.ok ? process.stdout : process.stderr).write(`${result.text}\n`);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\n`);
    return ExitCode.failed;
  }
}

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}
