import { parseArgs } from 'node:util';
import { ExitCode, formatLineageMermaid, formatLineageText, InputError, lineageOf } from '@mcp/core';
import { metaOptions, metaSnapshot } from './meta';

export const lineageUsage =
  'usage: mcp lineage <model>@v<semver>|<run-id>|<dataset>@v<n> [--format text|markdown|mermaid|json] [--remote origin] [--branch mcp-meta]';

/** `mcp lineage`: the chain data → run (→ model → deployment) as text, a Mermaid graph or JSON. */
export async function lineageCommand(argv: string[]): Promise<number> {
  let subject: string;
  let format: string;
  let flags: { remote?: string; branch?: string };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { ...metaOptions, format: { type: 'string', default: 'text' } },
    });
    if (positionals.length !== 1)
      throw new InputError('give one model version, run id or data version', 'subject');
    if (!['text', 'markdown', 'mermaid', 'json'].includes(values.format)) {
      throw new InputError(`format: "${values.format}" is not text, markdown, mermaid or json`, 'format');
    }
    subject = positionals[0] as string;
    format = values.format;
    flags = values;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${lineageUsage}\n`);
    return ExitCode.usage;
  }
  try {
    const graph = await lineageOf(await metaSnapshot(flags), subject);
    const text =
      format === 'json'
        ? JSON.stringify(graph)
        : format === 'mermaid'
          ? formatLineageMermaid(graph)
          : format === 'markdown'
            ? `\`\`\`text\n${formatLineageText(graph)}\n\`\`\`\n\n${formatLineageMermaid(graph)}`
            : formatLineageText(graph);
    process.stdout.write(`${text}\n`);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\n`);
    return error instanceof InputError ? ExitCode.usage : ExitCode.failed;
  }
}
