import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors';

export type Params = Record<string, unknown>;

const INPUT = 'params';
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The `params` input: each line is `key=value` or a JSON/YAML file (relative to the workspace),
 * merged in order, later wins (objects merge key by key, as DVC's `-S` and Hydra overrides do).
 */
export async function readParams(workspace: string, text: string): Promise<Params> {
  let params: Params = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (eq > 0 && KEY.test(key)) {
      params = merge(params, nest(key.split('.'), parseValue(line.slice(eq + 1).trim())));
    } else {
      params = merge(params, await readParamsFile(workspace, line));
    }
  }
  return params;
}

/** `0.01` and `1e-3` are numbers, `true`/`false`/`null` and JSON arrays/objects are themselves; the rest is text. */
export function parseValue(text: string): unknown {
  if (NUMBER.test(text)) return Number(text);
  if (/^(true|false|null)$/.test(text) || /^[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all (`[x]`): taken as the text it is.
    }
  }
  return text;
}

async function readParamsFile(workspace: string, path: string): Promise<Params> {
  const kind = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(kind)) {
    throw new InputError(`${INPUT}: "${path}" is neither key=value nor a .json/.yaml params file`, INPUT);
  }
  const text = await readFile(resolve(workspace, path), 'utf8').catch(() => {
    throw new InputError(`${INPUT}: cannot read the params file "${path}"`, INPUT);
  });
  let value: unknown;
  try {
    value = kind === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch {
    throw new InputError(`${INPUT}: "${path}" is not valid ${kind === '.json' ? 'JSON' : 'YAML'}`, INPUT);
  }
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new InputError(`${INPUT}: "${path}" must hold an object of params (key: value)`, INPUT);
  }
  return value;
}

function nest(keys: string[], value: unknown): Params {
  const [first, ...rest] = keys as [string, ...string[]];
  return { [first]: rest.length === 0 ? value : nest(rest, value) };
}

function merge(base: Params, over: Params): Params {
  const out: Params = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = Object.hasOwn(out, key) ? out[key] : undefined;
    // Defined, not assigned: a `__proto__` key is data here, never the object's prototype.
    Object.defineProperty(out, key, {
      value: isObject(before) && isObject(value) ? merge(before, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function isObject(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
