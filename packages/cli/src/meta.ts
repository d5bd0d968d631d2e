import { MetaBranch, type MetaView } from '@mcp/core';

/** Where read-only commands find mcp-meta: `--remote` (default origin) and `--branch` (default mcp-meta). */
export interface MetaFlags {
  remote?: string;
  branch?: string;
}

export const metaOptions = {
  remote: { type: 'string' },
  branch: { type: 'string' },
} as const;

export function readMeta(flags: MetaFlags): MetaBranch {
  // Reading needs no author; the constructor requires one for writes only.
  return new MetaBranch({
    cwd: process.cwd(),
    remote: flags.remote ?? 'origin',
    branch: flags.branch ?? 'mcp-meta',
    author: { name: 'mcp', email: 'mcp@localhost' },
  });
}

/** The branch as it is on the remote now. */
export async function metaSnapshot(flags: MetaFlags): Promise<MetaView> {
  const meta = readMeta(flags);
  await meta.fetch();
  return meta.snapshot();
}
