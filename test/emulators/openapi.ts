// Routes requests by an OpenAPI 3.0 document and checks them, and an emulator's own answers,
// against its schemas with ajv. The HTTP side lives in validating-server.ts.
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  servers?: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
}

export interface OperationObject {
  operationId?: string;
  externalDocs?: { url: string };
  servers?: { url: string }[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const documents = new Map<string, OpenApiDocument>();

/** Reads a description under test/, once per process: every emulator a test starts shares it. */
export function loadDocument(relativeToTest: string): OpenApiDocument {
  let document = documents.get(relativeToTest);
  if (!document) {
    document = JSON.parse(
      readFileSync(new URL(`../${relativeToTest}`, import.meta.url), 'utf8'),
    ) as OpenApiDocument;
    documents.set(relativeToTest, document);
  }
  return document;
}

export function basePathOf(document: OpenApiDocument): string {
  const server = document.servers?.[0]?.url ?? '/';
  return new URL(server, 'http://placeholder').pathname.replace(/\/$/, '');
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
const DOCUMENT_ID = 'https://emulator.invalid/openapi.json';

/** OpenAPI 3.0 schemas are not JSON Schema: `nullable` and boolean `exclusiveMinimum` need rewriting for ajv. */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = toJsonSchema(child);
  for (const [flag, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    const exclusive = out[flag];
    delete out[flag];
    if (exclusive && out[limit] !== undefined) {
      out[flag] = out[limit];
      delete out[limit];
    }
  }
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

const pointer = (parts: string[]) =>
  `#/${parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

interface Segment {
  pattern: RegExp;
  names: string[];
  literal: boolean;
}

interface Param {
  name: string;
  in: string;
  required: boolean;
  validate: ValidateFunction | undefined;
}

export interface Route {
  method: string;
  template: string;
  segments: Segment[];
  /** A last parameter that may hold slashes (a git ref like `heads/main`). */
  restParam: string | undefined;
  /** The operation's own `servers[0].url` (GitHub's uploads), or undefined for the document's. */
  server: string | undefined;
  operationId: string;
  operation: OperationObject;
  params: Param[];
  body: { required: boolean; validate: ValidateFunction | undefined } | undefined;
  responses: Map<string, ValidateFunction | undefined>;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export class OpenApiValidator {
  readonly basePath: string;
  private readonly ajv: Ajv;
  private readonly document: OpenApiDocument;
  private readonly routes: Route[] = [];

  constructor(document: OpenApiDocument, options: { slashParams?: string[] } = {}) {
    this.document = document;
    this.basePath = basePathOf(document);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema(toJsonSchema(document) as object, DOCUMENT_ID);
    for (const [template, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method] as OperationObject | undefined;
        if (operation?.operationId) {
          this.routes.push(this.compileRoute(template, method, operation, item, options.slashParams ?? []));
        }
      }
    }
  }

  get operationIds(): string[] {
    return this.routes.map((r) => r.operationId);
  }

  /**
   * Matches a path below the base path; literal segments win over parameters, as in every router.
   * `server` picks the operations that declare that server of their own (undefined: the document's).
   */
  match(method: string, path: string, server?: string): Match | { error: string } {
    const parts = path.split('/').slice(1);
    let best: { match: Match; score: string } | undefined;
    let pathKnown = false;
    let elsewhere: Route | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route, parts);
      if (params && route.server !== server && route.method === method.toLowerCase()) elsewhere = route;
      if (route.server !== server) continue;
      if (!params) continue;
      pathKnown = true;
      if (route.method !== method.toLowerCase()) continue;
      const score = route.segments.map((s) => (s.literal ? '1' : '0')).join('');
      if (!best || score > best.score) best = { match: { route, params }, score };
    }
    if (best) return best.match;
    if (elsewhere) {
      return {
        error: `${elsewhere.operationId} is served at ${elsewhere.server ?? 'the API origin'}, not here`,
      };
    }
    return {
      error: pathKnown
        ? `no ${method} operation for ${this.basePath}${path}`
        : `no path in the API description matches ${this.basePath}${path}`,
    };
  }

  validateRequest(
    route: Route,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Body,
  ): string[] {
    const messages: string[] = [];
    for (const param of route.params) {
      const raw = param.in === 'path' ? params[param.name] : (query.get(param.name) ?? undefined);
      if (raw === undefined) {
        if (param.required) messages.push(`missing required ${param.in} parameter '${param.name}'`);
        continue;
      }
      // Query and path values arrive as strings; try them as sent first so `oneOf: [string, integer]` holds.
      if (param.validate && !param.validate(raw) && !param.validate(coerce(raw))) {
        messages.push(`${param.in} parameter '${param.name}': ${describe(param.validate.errors)}`);
      }
    }
    const known = new Set(route.params.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(query.keys())) {
      if (!known.has(name)) messages.push(`unknown query parameter '${name}'`);
    }
    if (route.body) {
      if (body.kind === 'empty') {
        if (route.body.required) messages.push('missing required request body');
      } else if (route.body.validate) {
        if (body.kind === 'invalid-json') messages.push('request body is not valid JSON');
        else if (body.kind === 'not-json') messages.push('request body must be sent as application/json');
        else if (!route.body.validate(body.value))
          messages.push(`request body: ${describe(route.body.validate.errors)}`);
      }
    } else if (body.kind !== 'empty') {
      messages.push('this operation takes no request body');
    }
    return messages;
  }

  /** Undocumented statuses pass: GitHub's description, for one, lists 401 for almost nothing. */
  validateResponse(route: Route, status: number, body: unknown): string[] {
    const key = route.responses.has(String(status)) ? String(status) : 'default';
    if (!route.responses.has(key)) return [];
    const validate = route.responses.get(key);
    if (!validate || validate(body)) return [];
    return [`response ${status} of ${route.operationId}: ${describe(validate.errors)}`];
  }

  private resolve(value: unknown, path: string[]): { value: unknown; path: string[] } {
    let current = { value, path };
    for (let hops = 0; hops < 10; hops++) {
      const ref = (current.value as { $ref?: unknown } | undefined)?.$ref;
      if (typeof ref !== 'string') return current;
      const parts = ref.replace(/^#\//, '').split('/').map(decodePointerPart);
      let target: unknown = this.document;
      for (const part of parts) target = (target as Record<string, unknown> | undefined)?.[part];
      if (target === undefined) throw new Error(`dangling $ref ${ref}`);
      current = { value: target, path: parts };
    }
    throw new Error(`$ref chain too long at ${path.join('/')}`);
  }

  private schemaAt(path: string[]): ValidateFunction {
    return this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer(path)}` });
  }

  private compileRoute(
    template: string,
    method: string,
    operation: OperationObject,
    item: Record<string, unknown>,
    slashParams: string[],
  ): Route {
    const at = ['paths', template, method];
    const declared = [
      ...((item.parameters as unknown[] | undefined) ?? []).map((p, i) =>
        this.resolve(p, ['paths', template, 'parameters', String(i)]),
      ),
      ...(operation.parameters ?? []).map((p, i) => this.resolve(p, [...at, 'parameters', String(i)])),
    ];
    const params = declared.map(({ value, path }) => {
      const p = value as { name: string; in: string; required?: boolean; schema?: unknown };
      return {
        name: p.name,
        in: p.in,
        required: p.required === true || p.in === 'path',
        validate: p.schema ? this.schemaAt([...path, 'schema']) : undefined,
      };
    });
    let body: Route['body'];
    if (operation.requestBody) {
      const { value, path } = this.resolve(operation.requestBody, [...at, 'requestBody']);
      const rb = value as { required?: boolean; content?: Record<string, { schema?: unknown }> };
      const json = rb.content?.['application/json'];
      body = {
        required: rb.required === true,
        validate: json?.schema
          ? this.schemaAt([...path, 'content', 'application/json', 'schema'])
          : undefined,
      };
    }
    const responses = new Map<string, ValidateFunction | undefined>();
    for (const [status, raw] of Object.entries(operation.responses ?? {})) {
      const { value, path } = this.resolve(raw, [...at, 'responses', status]);
      const json = (value as { content?: Record<string, { schema?: unknown }> }).content?.[
        'application/json'
      ];
      responses.set(
        status,
        json?.schema ? this.schemaAt([...path, 'content', 'application/json', 'schema']) : undefined,
      );
    }
    const servers = operation.servers ?? (item.servers as OperationObject['servers']);
    const templateParts = template.split('/').slice(1);
    const last = /^\{([^}]+)\}$/.exec(templateParts.at(-1) ?? '')?.[1];
    return {
      method,
      template,
      segments: templateParts.map(compileSegment),
      restParam: last && slashParams.includes(last) ? last : undefined,
      server: servers?.[0]?.url,
      operationId: operation.operationId ?? `${method} ${template}`,
      operation,
      params,
      body,
      responses,
    };
  }
}

function compileSegment(part: string): Segment {
  const names: string[] = [];
  const source = part
    .split(/(\{[^}]+\})/)
    .map((piece) => {
      const name = /^\{([^}]+)\}$/.exec(piece)?.[1];
      if (!name) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names, literal: names.length === 0 };
}

function matchSegments(route: Route, parts: string[]): Record<string, string> | undefined {
  const { segments } = route;
  if (parts.length !== segments.length && !(route.restParam && parts.length > segments.length))
    return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const isRest = route.restParam !== undefined && i === segments.length - 1;
    const part = isRest ? parts.slice(i).join('/') : (parts[i] ?? '');
    const found = isRest ? /^.+$/.exec(part) : segment.pattern.exec(part);
    if (!found) return undefined;
    for (const [j, name] of segment.names.entries()) {
      const value = isRest ? part : (found[j + 1] ?? '');
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
  }
  return params;
}

function decodePointerPart(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

function coerce(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
}

export type Body =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown }
  | { kind: 'invalid-json' }
  | { kind: 'not-json' };

export function parseBody(raw: Buffer, contentType: string | undefined): Body {
  if (raw.length === 0) return { kind: 'empty' };
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType ?? '')) return { kind: 'not-json' };
  try {
    return { kind: 'json', value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { kind: 'invalid-json' };
  }
}
