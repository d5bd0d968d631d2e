import { join } from 'node:path';
import { writeFileAtomic } from './files';

// GitLab reads `artifacts:reports:dotenv` only when the file is at most 5 KB of single-line
// KEY=value pairs; larger or multi-line values go to a file whose path is passed instead.
const DOTENV_LIMIT = 5 * 1024;

export function dotenvKey(output: string): string {
  return `MCP_${output.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

/**
 * Writes outputs as a dotenv report; values too big for it go to files under `spillDir`
 * (relative to `workspace`, as the paths in the report are: builds directories differ between
 * runners). Returns the spilled files' relative paths. No outputs, no file.
 */
export async function writeDotenv(
  path: string,
  outputs: Record<string, string>,
  workspace: string,
  spillDir: string,
): Promise<string[]> {
  const lines: string[] = [];
  const spilled: string[] = [];
  let size = 0;
  // Small values first so that one big JSON output does not push the rest out.
  const entries = Object.entries(outputs).sort((a, b) => Buffer.byteLength(a[1]) - Buffer.byteLength(b[1]));
  if (!entries.length) return spilled;
  for (const [name, value] of entries) {
    let line = `${dotenvKey(name)}=${value}`;
    if (/[\r\n]/.test(value) || size + Buffer.byteLength(line) + 1 > DOTENV_LIMIT - 512) {
      const file = join(spillDir, `${name}.txt`);
      await writeFileAtomic(join(workspace, file), value);
      spilled.push(file);
      line = `${dotenvKey(name)}_FILE=${file}`;
    }
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  await writeFileAtomic(path, `${lines.join('\n')}\n`);
  return spilled;
}
