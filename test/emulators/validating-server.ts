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
  status: number;
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
  /** Records a request violation the description cannot express, such as a documented size limit. */
  violation(message: string): void;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
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
  let baseUrl = '';

  async function answer(
    incoming: IncomingMessage,
    raw: Buffer,
    body: Body,
  ): Promise<{ response: EmulatorResponse; operationId?: string }> {
    const method = incoming.method ?? 'GET';
    const url = new URL(incoming.url ?? '/', 'http://emulator.invalid');
    const rawPath = (incoming.url ?? '/').split('?')[0] ?? '/';
    const record = (kind: Violation['kind'], message: string) =>
      violations.push({ kind, method, path: url.pathname, message });
    const below = rawPath.startsWith(`${validator.basePath}/`)
      ? rawPath.slice(validator.basePath.length)
      : undefined;
    const matched =
      below === undefined
        ? { error: `${rawPath} is outside ${validator.basePath}` }
        : validator.match(method, below);
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
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      body: body.kind === 'json' ? body.value : undefined,
      rawBody: raw,
      baseUrl,
      path: below ?? '',
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
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = parseBody(raw, incoming.headers['content-type']);
      answer(incoming, raw, body)
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
          const text = response.body === undefined ? '' : JSON.stringify(response.body);
          const headers = { ...options.headers?.(), ...response.headers };
          if (text) headers['content-type'] = options.contentType ?? 'application/json';
          outgoing.writeHead(response.status, headers).end(text);
          requests.push({
            method: incoming.method ?? '',
            url: incoming.url ?? '',
            operationId,
            headers: incoming.headers,
            body: body.kind === 'json' ? body.value : undefined,
            status: response.status,
          });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  baseUrl = `${url}${validator.basePath}`;
  return {
    url,
    baseUrl,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
