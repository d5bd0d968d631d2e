import { join } from 'node:path';
import { writeFileAtomic } from './files';

// GitLab reads `artifacts:reports:dotenv` only when the file is at most 5 KB of single-line
// KEY=value pairs; larger or multi-line values go to a file whose path is passed instead.
const DOTENV_LIMIT = 5 * 1024;

export function dotenvKey(output: string): string {
  return `MCP_${output.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

/** Writes outputs as a dotenv report; returns the files written for values too big for it. */
export async function writeDotenv(
  path: string,
  outputs: Record<string, string>,
  spillDir: string,
): Promise<string[]> {
  const lines: string[] = [];
  const spilled: string[] = [];
  let size = 0;
  // Small values first so that one big JSON output does not push the rest out.
  const entries = Object.entries(outputs).sort((a, b) => a[1].length - b[1].length);
  for (const [name, value] of entries) {
    let line = `${dotenvKey(name)}=${value}`;
    if (/[\r\n]/.test(value) || size + line.length + 1 > DOTENV_LIMIT - 512) {
      const file = join(spillDir, `${name}.txt`);
      await writeFileAtomic(file, value);
      spilled.push(file);
      line = `${dotenvKey(name)}_FILE=${file}`;
    }
    lines.push(line);
    size += line.length + 1;
  }
  await writeFileAtomic(path, `${lines.join('\n')}\n`);
  return spilled;
}
