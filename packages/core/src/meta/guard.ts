import { McpError } from '../errors';
import { SecretInRecord } from './errors';

/**
 * Token shapes of the platforms we run on. A record is read by anyone who can read the
 * repository, so a value shaped like one is refused even when nobody registered it.
 */
const TOKEN_SHAPES: [RegExp, string][] = [
  [/\bgh[pousr]_[A-Za-z0-9]{16,}/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/, 'a GitHub fine-grained token'],
  [/\bgl(?:pat|cbt|dt|ptt|rt|oas|ft|imt|agent)-[A-Za-z0-9_-]{16,}/, 'a GitLab token'],
];

/** Registered secrets shorter than this would match ordinary words (same bound as masking). */
const MIN_SECRET_LENGTH = 6;

/** Throws `SecretInRecord` when `text` holds a token or one of `secrets`; never echoes the value. */
export function refuseSecrets(where: string, text: string, secrets: Iterable<string>): void {
  for (const [shape, what] of TOKEN_SHAPES) {
    const match = shape.exec(text);
    if (match) throw new SecretInRecord(where, `a value that looks like ${what} (${match[0].slice(0, 4)}…)`);
  }
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && text.includes(secret)) {
      throw new SecretInRecord(where, 'the value of a registered secret');
    }
  }
}

/** Git's own messages may quote a remote URL with credentials in it. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  for (const [shape] of TOKEN_SHAPES) out = out.replace(new RegExp(shape.source, 'g'), '***');
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('***');
  }
  return out;
}

const SEGMENT = /^[A-Za-z0-9_@+=,~#-][A-Za-z0-9._@+=,~#-]*$/;

/**
 * Record paths are relative, `/`-separated and plain: they become tree entries and URLs in the
 * host's UI, and `cat-file --batch` takes them one per line.
 */
export function checkRecordPath(path: string): void {
  const segments = path.split('/');
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (path === '' || bad !== undefined) {
    throw new McpError(
      `mcp-meta record path ${JSON.stringify(path)} is not allowed: use relative paths of letters, digits and ._@+=,~#- (no leading dot in a segment)`,
    );
  }
}

/** A directory argument of `list`: '' or '.' is the root. */
export function checkDirectory(dir: string): string {
  const trimmed = dir === '.' ? '' : dir.replace(/^\.\//, '').replace(/\/+$/, '');
  if (trimmed !== '') checkRecordPath(trimmed);
  return trimmed;
}

/** Names of environment variables whose values are taken for secrets by `redactForRecord`. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i;

/**
 * A command or URL as a record on mcp-meta may hold it: URL userinfo and query-parameter values
 * become `***` (`https://u:p@h/x?token=abc` → `https://***@h/x?token=***`), and so does the value
 * (6 characters or more) of any environment variable whose name looks secret.
 */
export function redactForRecord(text: string, env: NodeJS.ProcessEnv = {}): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s'"]+@/g, '$1***@');
  out = out.replace(/(\w+:\/\/[^\s'"?#]*\?)([^\s'"#]*)/g, (_, head: string, query: string) => {
    const params = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        // A template placeholder (`{version}`) is filled in when the URL is used: not a secret.
        const value = pair.slice(eq + 1);
        return eq < 0 || value === '' || /^\{\w+\}$/.test(value) ? pair : `${pair.slice(0, eq)}=***`;
      })
      .join('&');
    return `${head}${params}`;
  });
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join('***');
  return out;
}
