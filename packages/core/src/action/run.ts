import { ExitCode, McpError } from '../errors';
import type { Platform } from '../platform';
import { type Action, readInputs } from './spec';

/**
 * What every entry (action bundle or CLI) does: read inputs, run, write outputs, and map the
 * outcome to the exit-code contract (0 passed, 1 failed gate, 2 bad input). Returns the code.
 */
export async function runAction(action: Action, platform: Platform): Promise<number> {
  let code: number;
  try {
    const inputs = readInputs(action.spec, platform);
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

export function reportError(platform: Platform, error: unknown): number {
  if (error instanceof McpError) {
    platform.error(error.message);
    return error.name === 'InputError' ? ExitCode.usage : ExitCode.failed;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  platform.error(
    `${err.message} (an unexpected error; rerun with MCP_DEBUG=1 or runner debug logging for details)`,
  );
  platform.debug(err.stack ?? String(err));
  return ExitCode.failed;
}
