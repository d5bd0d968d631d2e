import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  checkDatasetName,
  DataPointer,
  type DataVersion,
  findDataVersion,
  materialize,
  withChunks,
} from '../data';
import { InputError, McpError } from '../errors';
import type { MetaView } from '../meta';
import type { ContentStore } from '../store';
import type { RunData } from './record';

const INPUT = 'data';

/** One `data` line: a dataset and which of its versions, as the user wrote it. */
export interface DataRequest {
  line: string;
  name: string;
  /** `latest`, a number or a digest (a pointer file pins the digest). */
  selector: string;
}

/** `name@version`, `name@latest`, `name` (latest) or a pointer file `<name>.data.json`. */
export async function parseDataLines(workspace: string, text: string): Promise<DataRequest[]> {
  const requests: DataRequest[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    requests.push(line.endsWith('.json') ? await readPointer(workspace, line) : parseSelector(line));
  }
  const byVariable = new Map<string, string>();
  for (const { name } of requests) {
    const variable = dataVariable(name);
    const other = byVariable.get(variable);
    if (other !== undefined) {
      throw new InputError(
        `${INPUT}: "${other}" and "${name}" would both be ${variable}; give each dataset once`,
        INPUT,
      );
    }
    byVariable.set(variable, name);
  }
  return requests;
}

function parseSelector(line: string): DataRequest {
  const at = line.lastIndexOf('@');
  const name = at === -1 ? line : line.slice(0, at);
  const selector = at === -1 ? 'latest' : line.slice(at + 1);
  if (selector === '') {
    throw new InputError(`${INPUT}: "${line}" has no version after @ (latest, a number or a digest)`, INPUT);
  }
  return { line, name: checkDatasetName(name, INPUT), selector };
}

async function readPointer(workspace: string, path: string): Promise<DataRequest> {
  const text = await readFile(resolve(workspace, path), 'utf8').catch(() => {
    throw new InputError(`${INPUT}: cannot read the pointer file "${path}"`, INPUT);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${INPUT}: "${path}" is not JSON (expected a data pointer)`, INPUT);
  }
  const pointer = DataPointer.safeParse(value);
  if (!pointer.success) {
    throw new InputError(`${INPUT}: "${path}" is not a data pointer (name, version, digest)`, INPUT);
  }
  return { line: path, name: checkDatasetName(pointer.data.name, INPUT), selector: pointer.data.digest };
}

/** `MCP_DATA_<NAME>`: upper case, every other character `_`. */
export function dataVariable(name: string): string {
  return `MCP_DATA_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The records the lines name, looked up before anything is written (a missing one is bad input). */
export async function resolveData(
  view: Pick<MetaView, 'read' | 'list'>,
  requests: DataRequest[],
): Promise<DataVersion[]> {
  const records: DataVersion[] = [];
  for (const request of requests) {
    try {
      records.push(await findDataVersion(view, request.name, request.selector, INPUT));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // findDataVersion names `name` or `version`; the user wrote one `data` line.
      const reason = error.message.replace(/^(name|version|data): /, '');
      throw new InputError(`${INPUT}: "${request.line}": ${reason}`, INPUT);
    }
  }
  return records;
}

/** Each version written where it was versioned from, every byte verified. */
export async function pullData(
  store: ContentStore,
  workspace: string,
  records: DataVersion[],
  log: (line: string) => void,
): Promise<{ data: RunData[]; env: Record<string, string> }> {
  const data: RunData[] = [];
  const env: Record<string, string> = {};
  for (const record of records) {
    const destination = resolve(workspace, record.root);
    const rel = relative(workspace, destination);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new McpError(
        `${record.name} v${record.number} names a root outside the workspace (${record.root})`,
      );
    }
    const entries = withChunks(
      record.files,
      await store.getBlob(record.chunks),
      `${record.name} v${record.number}`,
    );
    const pulled = await materialize(store, entries, destination);
    const path = relative(workspace, destination).split('\\').join('/') || '.';
    log(
      `${record.name} v${record.number} (${record.digest.slice(0, 12)}) at ${path}: ${pulled.written} files written, ` +
        `${entries.length - pulled.written} already right, ${pulled.bytesDownloaded} bytes downloaded`,
    );
    data.push({ name: record.name, number: record.number, digest: record.digest, path });
    env[dataVariable(record.name)] = destination;
  }
  return { data, env };
}
