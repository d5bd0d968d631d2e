// The HTTP side shared by the API emulators: a server on 127.0.0.1 that routes each request
// through an OpenApiValidator, records every request and every violation instead of throwing,
// and checks the emulator's own answers too, so the emulator stays faithful to the description.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Body,
  type OpenApiDocument,
  OpenApiValidator,
  type OperationObject,
  parseBody,
} from './openapi';

export interface Violation {
  /** `request`: our client sent something the API description forbids; `response`: the emulator drifted from it. */
  kind: 'request' | 'response' | 'emulator';
  method: string;
  path: string;
  message: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  operationId: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** 0 when the emulator dropped the connection instead of answering. */
  status: number;
  /** When the request began to arrive (Date.now()), to check how requests are spaced. */
  at: number;
}

export interface EmulatorRequest {
  operationId: string;
  operation: OperationObject;
  method: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: Buffer;
  /** Origin plus the server's base path, for the `url` fields of answers and for `Link` headers. */
  baseUrl: string;
  /** Path after the base path, query excluded, as sent (still percent-encoded). */
  path: string;
  /** When the request began to arrive (Date.now()): its body may have taken a while. */
  at: number;
  /** Records a request violation the description cannot express, such as a documented size limit. */
  violation(message: string): void;
}

export interface EmulatorResponse {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body` (a download); its content-type goes in `headers`. */
  raw?: Buffer;
  headers?: Record<string, string>;
  /** Drop the connection without an answer, as a proxy that gives up mid-upload does. */
  hangUp?: boolean;
}

/** A request to a path the description does not hold, such as the URL a download redirects to. */
export interface UnlistedRequest {
  method: string;
  /** Path as sent, query excluded. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export type OperationHandler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface ValidatingServerOptions {
  document: OpenApiDocument;
  handlers: Partial<Record<string, OperationHandler>>;
  /** Runs after validation and before the handler; a response it returns refuses the request (auth). */
  authorize?: (request: EmulatorRequest) => EmulatorResponse | undefined;
  /** The API's own answer to a request that breaks the description (GitHub 422, GitLab 400). */
  invalidRequest: (request: EmulatorRequest, messages: string[]) => EmulatorResponse;
  notFound: () => EmulatorResponse;
  notImplemented: (request: EmulatorRequest) => EmulatorResponse;
  /** Headers every answer carries, besides content-type. */
  headers?: () => Record<string, string>;
  contentType?: string;
  slashParams?: string[];
  /**
   * Servers some operations declare instead of the document's (GitHub's uploads host), each
   * served on this port below a path prefix: `{ 'https://uploads.github.com': '/uploads' }`.
   */
  servers?: Record<string, string>;
  /** Answers what the API serves outside its description; undefined lets the request be routed. */
  unlisted?: (request: UnlistedRequest) => EmulatorResponse | undefined;
}

export interface ValidatingServer {
  /** Origin, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Origin plus the API's base path from `servers[0].url`. */
  baseUrl: string;
  requests: RecordedRequest[];
  violations: Violation[];
  close(): Promise<void>;
}

// Compiling GitHub's schemas takes about half a second; validators hold no per-server state.
const validators = new WeakMap<OpenApiDocument, Map<string, OpenApiValidator>>();

function validatorFor(document: OpenApiDocument, slashParams: string[]): OpenApiValidator {
  const byParams = validators.get(document) ?? new Map<string, OpenApiValidator>();
  validators.set(document, byParams);
  const key = slashParams.join(',');
  let validator = byParams.get(key);
  if (!validator) {
    validator = new OpenApiValidator(document, { slashParams });
    byParams.set(key, validator);
  }
  return validator;
}

export async function startValidatingServer(options: ValidatingServerOptions): Promise<ValidatingServer> {
  const validator = validatorFor(options.document, options.slashParams ?? []);
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  let origin = '';

  async function answer(
    incoming: IncomingMessage,
    at: number,
    raw: Buffer,
    body: Body,
  ): Promise<{ response: EmulatorResponse; operationId?: string }> {
    const method = incoming.method ?? 'GET';
    const url = new URL(incoming.url ?? '/', 'http://emulator.invalid');
    const rawPath = (incoming.url ?? '/').split('?')[0] ?? '/';
    const record = (kind: Violation['kind'], message: string) =>
      violations.push({ kind, method, path: url.pathname, message });
    const query = Object.fromEntries(url.searchParams);
    const extra = options.unlisted?.({ method, path: rawPath, query, headers: incoming.headers });
    if (extra) return { response: extra };
    const [server, prefix] = Object.entries(options.servers ?? {}).find(([, p]) =>
      rawPath.startsWith(`${p}/`),
    ) ?? [undefined, ''];
    const basePath = server === undefined ? validator.basePath : new URL(server).pathname.replace(/\/$/, '');
    const rest = rawPath.slice(prefix.length);
    const below = rest.startsWith(`${basePath}/`) ? rest.slice(basePath.length) : undefined;
    const matched =
      below === undefined
        ? { error: `${rawPath} is outside ${basePath}` }
        : validator.match(method, below, server);
    if ('error' in matched) {
      record('request', matched.error);
      return { response: options.notFound() };
    }
    const { route, params } = matched;
    const request: EmulatorRequest = {
      operationId: route.operationId,
      operation: route.operation,
      method,
      params,
      query,
      headers: incoming.headers,
      body: body.kind === 'json' ? body.value : undefined,
      rawBody: raw,
      baseUrl: `${origin}${prefix}${basePath}`,
      path: below ?? '',
      at,
      violation: (message) => record('request', message),
    };
    const messages = validator.validateRequest(route, params, url.searchParams, body);
    for (const message of messages) record('request', message);
    const handler = options.handlers[route.operationId];
    const response =
      options.authorize?.(request) ??
      (messages.length > 0
        ? options.invalidRequest(request, messages)
        : handler
          ? await handler(request)
          : options.notImplemented(request));
    for (const message of validator.validateResponse(route, response.status, response.body))
      record('response', message);
    return { response, operationId: route.operationId };
  }

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = parseBody(raw, incoming.headers['content-type']);
      answer(incoming, at, raw, body)
        .catch((error: unknown) => {
          const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
          violations.push({
            kind: 'emulator',
            method: incoming.method ?? '',
            path: incoming.url ?? '',
            message,
          });
          const response: EmulatorResponse = { status: 500, body: { message: 'emulator error' } };
          return { response, operationId: undefined };
        })
        .then(({ response, operationId }) => {
          if (response.hangUp) outgoing.destroy();
          else if (response.raw) {
            const headers = { ...options.headers?.(), ...response.headers };
            outgoing.writeHead(response.status, headers).end(response.raw);
          } else {
            const text = response.body === undefined ? '' : JSON.stringify(response.body);
            const headers = { ...options.headers?.(), ...response.headers };
            if (text) headers['content-type'] = options.contentType ?? 'application/json';
            outgoing.writeHead(response.status, headers).end(text);
          }
          requests.push({
            method: incoming.method ?? '',
            url: incoming.url ?? '',
            operationId,
            headers: incoming.headers,
            body: body.kind === 'json' ? body.value : undefined,
            status: response.status,
            at,
          });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    baseUrl: `${origin}${validator.basePath}`,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
