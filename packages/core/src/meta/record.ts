import { z } from 'zod';
import { McpError } from '../errors';
import type { MetaView } from './view';

/** A record's text from mcp-meta checked against its schema; `kind` names it in the error. */
export function parseRecord<T>(schema: z.ZodType<T>, text: string, path: string, kind: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new McpError(`${path} on mcp-meta is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new McpError(`${path} on mcp-meta is not a ${kind}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The record at `path`, parsed; undefined when there is none. */
export async function readRecord<T>(
  view: Pick<MetaView, 'read'>,
  schema: z.ZodType<T>,
  path: string,
  kind: string,
): Promise<T | undefined> {
  const text = await view.read(path);
  return text === undefined ? undefined : parseRecord(schema, text, path, kind);
}
