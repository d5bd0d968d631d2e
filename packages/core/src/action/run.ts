import { ExitCode, InputError, McpError } from '../errors';
import type { Platform } from '../platform';
import { type Action, readInputs } from './spec';

/**
 * What every entry (action bundle or CLI) does: read inputs, run, write outputs, and map the
 * outcome to the exit-code contract (0 passed, 1 failed, 2 bad input). Returns the code.
 */
export async function runAction(action: Action, platform: Platform): Promise<number> {
  let code: number;
  try {
    const inputs = readInputs(action.spec, platform);
    if ('token' in action.spec.inputs) platform.useToken((inputs as Record<string, string>).token ?? '');
    const result = await action.run(platform, inputs);
    for (const [name, value] of Object.entries(result.outputs)) {
      if (value !== undefined) platform.setOutput(name, value as string);
    }
    code = result.exitCode;
  } catch (error) {
    code = reportError(platform, error);
  }
  try {
    await platform.flush();
  } catch (error) {
    code = Math.max(code, reportError(platform, error));
  }
  return code;
}

/** One line for the user; the stack only in debug logs. */
export function reportError(platform: Platform, error: unknown): number {
  if (error instanceof McpError) {
    platform.error(firstLine(error.message));
    return error instanceof InputError ? ExitCode.usage : ExitCode.failed;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  platform.error(
    `${firstLine(err.message)} (unexpected; rerun with MCP_DEBUG=1 or runner debug logging for details)`,
  );
  platform.debug(err.stack ?? String(err));
  return ExitCode.failed;
}

/** An API error body can be a whole HTML page; the log gets its first line, capped. */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
