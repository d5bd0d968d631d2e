import { InputError, nearNames } from '../errors';

/**
 * What a command, a request body, a query or a manifest value may name. `{weight}` is the
 * canary's percentage of traffic and `{stable_weight}` the rest (100 − weight), for routers
 * that take both (SageMaker variant weights, Istio routes).
 */
export const PLACEHOLDERS = [
  'model',
  'version',
  'stable_version',
  'weight',
  'stable_weight',
  'environment',
  'step',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<Placeholder, string | number>>;

// `${name}` is the shell's (or a manifest's) own expansion, never ours.
const PLACEHOLDER = /(?<!\$)\{([a-z_]+)\}/g;

/**
 * Throws on a placeholder that is not one of `allowed`, so a typo (`{verison}`) fails when the
 * input is read, before any traffic moves.
 */
export function checkTemplate(
  template: string,
  input: string,
  allowed: readonly Placeholder[] = PLACEHOLDERS,
): void {
  for (const [, name = ''] of template.matchAll(PLACEHOLDER)) {
    if ((allowed as readonly string[]).includes(name)) continue;
    // `{vers}` is in both version and stable_version: the closer in length is meant.
    const [near] = nearNames(name, allowed).sort(
      (a, b) => Math.abs(a.length - name.length) - Math.abs(b.length - name.length),
    );
    const hint = near
      ? `did you mean {${near}}?`
      : `expected one of ${allowed.map((p) => `{${p}}`).join(' ')}`;
    throw new InputError(`${input}: unknown placeholder {${name}} (${hint})`, input);
  }
}

type Quote = (value: string | number, context: string) => string;

/**
 * Walks `template` with a small lexer that knows which quoting context each placeholder sits in,
 * and lets `quote` render the value for that context. `contexts` maps an opening quote character
 * to the context it starts; `escapes` lists the contexts in which a backslash escapes the next
 * character.
 */
function substitute(
  template: string,
  values: TemplateValues,
  contexts: Record<string, string>,
  escapes: readonly string[],
  quote: Quote,
): string {
  let out = '';
  let context = 'plain';
  let closing = '';
  for (let i = 0; i < template.length; i++) {
    const c = template.charAt(i);
    if (c === '\\' && escapes.includes(context)) {
      out += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '{' && template.charAt(i - 1) !== '$') {
      const match = /^\{([a-z_]+)\}/.exec(template.slice(i));
      const name = match?.[1] as Placeholder | undefined;
      if (match && name && (PLACEHOLDERS as readonly string[]).includes(name)) {
        const value = values[name];
        if (value === undefined) throw new Error(`template value {${name}} was not given`);
        out += quote(value, context);
        i += match[0].length - 1;
        continue;
      }
    }
    if (context === 'plain' && c in contexts) {
      context = contexts[c] as string;
      closing = c;
    } else if (context !== 'plain' && c === closing) {
      context = 'plain';
    }
    out += c;
  }
  return out;
}

/**
 * A shell command with every value quoted for where it stands: bare (`--v {version}`), inside
 * double quotes (`"v={version}"`) or inside single quotes (`'{version}'`). Whatever a value
 * holds, the command receives it as that one word.
 */
export function renderShell(template: string, values: TemplateValues): string {
  return substitute(
    template,
    values,
    { "'": 'single', '"': 'double' },
    ['plain', 'double'],
    (value, context) => {
      const text = String(value);
      if (context === 'single') return text.replaceAll("'", `'\\''`);
      if (context === 'double') return text.replace(/[\\$`"]/g, '\\$&');
      return `'${text.replaceAll("'", `'\\''`)}'`;
    },
  );
}

/**
 * A JSON document: inside a string a value is escaped (`"v{version}"`); standing alone a
 * number stays a number and a string becomes a JSON string (`{"weight": {weight}}`).
 */
export function renderJson(template: string, values: TemplateValues): string {
  return substitute(template, values, { '"': 'string' }, ['string'], (value, context) => {
    if (context === 'string') return JSON.stringify(String(value)).slice(1, -1);
    return typeof value === 'number' ? String(value) : JSON.stringify(value);
  });
}

/**
 * A PromQL query: inside a string literal (`version="{version}"`) a value is escaped as PromQL
 * (Go) strings are; elsewhere it goes in as it is (names and versions are checked to be plain).
 */
export function renderPromql(template: string, values: TemplateValues): string {
  return substitute(
    template,
    values,
    { '"': 'double', "'": 'single', '`': 'raw' },
    ['double', 'single'],
    (value, context) => {
      const text = String(value);
      if (context === 'double') return text.replace(/[\\"]/g, '\\$&');
      if (context === 'single') return text.replace(/[\\']/g, '\\$&');
      return text;
    },
  );
}

/** A value with no quoting context (a manifest field, a URL path): the text as it is. */
export function renderPlain(template: string, values: TemplateValues): string {
  return substitute(template, values, {}, [], (value) => String(value));
}

/** A URL: values are percent-encoded, so a value cannot add a path segment or a query parameter. */
export function renderUrl(template: string, values: TemplateValues): string {
  return substitute(template, values, {}, [], (value) => encodeURIComponent(String(value)));
}
