import { type Document, isScalar, parseAllDocuments, stringify } from 'yaml';
import { InputError, McpError } from '../errors';
import { checkTemplate, renderPlain, type TemplateValues } from './template';

/** `[<Kind>/<name>:]<path> = <value>`: one value to set in the manifest. */
export interface Assignment {
  /** Which document of a multi-document file: the one with this `kind` and `metadata.name`. */
  document?: { kind: string; name: string };
  path: (string | number)[];
  /** Templated with {weight}, {stable_weight}, {version}…; a number when it renders as one. */
  value: string;
  text: string;
}

/**
 * One assignment per line: `spec.http[0].route[1].weight = {weight}`, or for one document of a
 * multi-document file `VirtualService/model:spec.http[0].route[1].weight = {weight}`. Keys with
 * dots go in brackets: `metadata.annotations["mcp.dev/weight"]`.
 */
export function parseSetLines(text: string, input = 'gitops-set'): Assignment[] {
  const assignments: Assignment[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const where = `${input} line ${i + 1}`;
    if (eq === -1)
      throw new InputError(`${where}: expected \`<path> = <value>\`, found ${JSON.stringify(line)}`, input);
    const target = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === '') throw new InputError(`${where}: no value after "="`, input);
    checkTemplate(value, where);
    const selector = /^([A-Za-z][A-Za-z0-9]*)\/([a-z0-9][a-z0-9.-]*):(.+)$/.exec(target);
    const document = selector ? { kind: selector[1] as string, name: selector[2] as string } : undefined;
    const path = parsePath(selector ? (selector[3] as string) : target, where, input);
    assignments.push({ ...(document ? { document } : {}), path, value, text: `${target} = ${value}` });
  });
  if (assignments.length === 0) {
    throw new InputError(
      `${input}: no assignment (expected e.g. spec.predictor.canaryTrafficPercent = {weight})`,
      input,
    );
  }
  return assignments;
}

function parsePath(text: string, where: string, input: string): (string | number)[] {
  const path: (string | number)[] = [];
  const source = text.replace(/^\$\.?/, '');
  const token = /\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let at = 0;
  while (at < source.length) {
    token.lastIndex = at;
    const match = token.exec(source);
    if (!match || (at === 0 && match[0].startsWith('.'))) {
      throw new InputError(
        `${where}: cannot read the path ${JSON.stringify(text)} at ${JSON.stringify(source.slice(at))}`,
        input,
      );
    }
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else path.push(JSON.parse(`"${match[3]}"`) as string);
    at = token.lastIndex;
  }
  if (path.length === 0) throw new InputError(`${where}: empty path`, input);
  return path;
}

/**
 * The file with each assignment's value changed in place: only the characters of the values
 * change, so comments, key order, quoting and indentation stay as the team wrote them (a diff
 * in review shows the weights and nothing else). Values must exist already: a path that does
 * not is an error, not a new key.
 */
export function applyAssignments(
  text: string,
  file: string,
  assignments: readonly Assignment[],
  values: TemplateValues,
): string {
  const json = /\.json$/i.test(file);
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const [error] = doc.errors;
    if (error)
      throw new McpError(`${file} is not valid ${json ? 'JSON' : 'YAML'}: ${error.message.split('\n')[0]}`);
  }
  const edits: { start: number; end: number; text: string }[] = [];
  for (const assignment of assignments) {
    const doc = pickDocument(list, assignment, file);
    const node = doc.getIn(assignment.path, true);
    const where = `${assignment.text.split(' = ')[0]} in ${file}`;
    if (node === undefined)
      throw new McpError(`${where}: no such value (mcp changes values, it does not add keys)`);
    if (!isScalar(node) || !node.range) throw new McpError(`${where}: a mapping or list, not a value`);
    const rendered = renderPlain(assignment.value, values);
    const value: string | number = /^-?\d+(\.\d+)?$/.test(rendered) ? Number(rendered) : rendered;
    const [start, end] = node.range;
    edits.push({ start, end, text: scalarSource(value, json, node.type) });
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  let previous = Number.POSITIVE_INFINITY;
  for (const edit of edits) {
    if (edit.end > previous) throw new McpError(`two assignments set the same value in ${file}`);
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    previous = edit.start;
  }
  return out;
}

function pickDocument(docs: readonly Document[], assignment: Assignment, file: string): Document {
  const selector = assignment.document;
  if (!selector) {
    if (docs.length !== 1) {
      throw new McpError(
        `${file} holds ${docs.length} documents; prefix the path with the one to change (<Kind>/<name>:${assignment.text.split(' = ')[0]})`,
      );
    }
    return docs[0] as Document;
  }
  const found = docs.filter(
    (d) => d.get('kind') === selector.kind && d.getIn(['metadata', 'name']) === selector.name,
  );
  if (found.length !== 1) {
    throw new McpError(
      `${file}: ${found.length === 0 ? 'no' : found.length} document with kind ${selector.kind} and name ${selector.name}`,
    );
  }
  return found[0] as Document;
}

/** The source text of a scalar: JSON in a JSON file; in YAML, the original quoting kept. */
function scalarSource(value: string | number, json: boolean, type: string | undefined): string {
  if (typeof value === 'number' || json) return JSON.stringify(value);
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  // Plain when YAML reads it back as this string; quoted when it would read as a number or a bool.
  return stringify(value, { lineWidth: 0 }).trimEnd();
}
