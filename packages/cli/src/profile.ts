import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, formatProfile, InputError, profileFile } from '@mcp/core';

export const profileUsage = 'usage: mcp profile <file.csv|.tsv|.jsonl|.parquet> [--json]';

/** `mcp profile <file>`: the profile version-data stores, as a table or (`--json`) as JSON. */
export async function profileCommand(argv: string[]): Promise<number> {
  let file: string;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false } },
    });
    if (positionals.length !== 1) throw new InputError('give one file to profile', 'file');
    file = positionals[0] as string;
    json = values.json;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${profileUsage}\n`);
    return ExitCode.usage;
  }
  try {
    const profile = await profileFile(resolve(file), { input: 'file' });
    process.stdout.write(`${json ? JSON.stringify(profile) : formatProfile(profile, file)}\n`);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\n`);
    return error instanceof InputError ? ExitCode.usage : ExitCode.failed;
  }
}
