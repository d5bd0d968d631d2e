// A stand-in for the Actions results service that @actions/artifact 6 talks to: the Twirp JSON
// ArtifactService at ACTIONS_RESULTS_URL (CreateArtifact, FinalizeArtifact, ListArtifacts,
// GetSignedArtifactURL) and the blob storage its signed URLs point to (Azure block blobs: Put
// Block, Put Block List, Get Blob), both on one port of 127.0.0.1. Requests are checked against
// the service's message definitions (github.actions.results.api.v1, as @actions/artifact's
// generated client declares them) and against the runtime token's claims; what does not fit is
// recorded in `violations`.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredArtifact {
  id: number;
  runId: string;
  jobId: string;
  name: string;
  /** Set by FinalizeArtifact; a created but unfinalized artifact is not listed. */
  finalized: boolean;
  size: number;
  digest?: string;
  mimeType?: string;
  expiresAt?: string;
  createdAt: string;
  blob: string;
}

interface Blob {
  sig: string;
  blocks: Map<string, Buffer>;
  committed?: Buffer;
  contentType?: string;
}

export interface ArtifactRequest {
  method: string;
  /** `CreateArtifact`… for the service, `blob:block` / `blob:blocklist` / `blob:get` for storage. */
  operation: string;
  status: number;
}

export interface ActionsArtifactsEmulator {
  /** ACTIONS_RESULTS_URL. */
  url: string;
  /** ACTIONS_RUNTIME_TOKEN for a job of a run: a JWT whose scope names both, as the runner's does. */
  runtimeToken(runId: string, jobId: string): string;
  artifacts: StoredArtifact[];
  requests: ArtifactRequest[];
  violations: string[];
  close(): Promise<void>;
}

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
const ACCOUNT = '/devstoreaccount1/actions-results/';

type FieldKind = 'string' | 'int32' | 'int64' | 'timestamp' | 'wrapped-string' | 'wrapped-int64';
/** Request messages by method: field name (proto name, as the client sends) → kind; required ones marked. */
const MESSAGES: Record<string, { fields: Record<string, FieldKind>; required: string[] }> = {
  CreateArtifact: {
    fields: {
      workflow_run_backend_id: 'string',
      workflow_job_run_backend_id: 'string',
      name: 'string',
      expires_at: 'timestamp',
      version: 'int32',
      mime_type: 'wrapped-string',
    },
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'version'],
  },
  FinalizeArtifact: {
    fields: {
      workflow_run_backend_id: 'string',
      workflow_job_run_backend_id: 'string',
      name: 'string',
      size: 'int64',
      hash: 'wrapped-string',
    },
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'size'],
  },
  ListArtifacts: {
    fields: {
      workflow_run_backend_id: 'string',
      workflow_job_run_backend_id: 'string',
      name_filter: 'wrapped-string',
      id_filter: 'wrapped-int64',
    },
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id'],
  },
  GetSignedArtifactURL: {
    fields: { workflow_run_backend_id: 'string', workflow_job_run_backend_id: 'string', name: 'string' },
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
  },
};

const fits: Record<FieldKind, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  int32: (v) => Number.isInteger(v),
  // proto3 JSON: 64-bit integers are strings of digits.
  int64: (v) => typeof v === 'string' && /^\d+$/.test(v),
  timestamp: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /Z$/.test(v),
  'wrapped-string': (v) => typeof v === 'string',
  'wrapped-int64': (v) => typeof v === 'string' && /^\d+$/.test(v),
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startActionsArtifactsEmulator(): Promise<ActionsArtifactsEmulator> {
  const artifacts: StoredArtifact[] = [];
  const blobs = new Map<string, Blob>();
  const requests: ArtifactRequest[] = [];
  const violations: string[] = [];
  let nextId = 9001;
  let origin = '';

  /** The run and job a request's bearer token is for, from its `scp` claim. */
  function claims(request: IncomingMessage): { runId: string; jobId: string } | undefined {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    try {
      const payload = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as {
        scp?: string;
      };
      const scope = payload.scp?.split(' ').find((s) => s.startsWith('Actions.Results:'));
      const [, runId, jobId] = scope?.split(':') ?? [];
      return runId && jobId ? { runId, jobId } : undefined;
    } catch {
      return undefined;
    }
  }

  function twirp(method: string, body: Record<string, unknown>, scope: { runId: string; jobId: string }) {
    const error = (status: number, code: string, msg: string) => ({ status, body: { code, msg } });
    // Any job of the run may read an artifact (naming the job that uploaded it); only the job
    // that creates one may upload and finalize it.
    const ownJob = method === 'CreateArtifact' || method === 'FinalizeArtifact';
    if (
      body.workflow_run_backend_id !== scope.runId ||
      (ownJob && body.workflow_job_run_backend_id !== scope.jobId)
    ) {
      violations.push(`${method}: backend ids differ from the runtime token's scope`);
      return error(403, 'permission_denied', 'the token is for another run or job');
    }
    const inRun = artifacts.filter((a) => a.runId === scope.runId);
    switch (method) {
      case 'CreateArtifact': {
        if (body.version !== 7)
          violations.push(`CreateArtifact: version ${body.version}, expected 7 (v4 artifacts)`);
        const name = String(body.name);
        if (inRun.some((a) => a.name === name && a.finalized)) {
          return error(
            409,
            'already_exists',
            'an artifact with this name already exists on the workflow run',
          );
        }
        const blob = `${nextId}-${randomBytes(4).toString('hex')}.zip`;
        const sig = randomBytes(16).toString('base64url');
        blobs.set(blob, { sig, blocks: new Map() });
        artifacts.push({
          id: nextId++,
          runId: scope.runId,
          jobId: scope.jobId,
          name,
          finalized: false,
          size: 0,
          mimeType: (body.mime_type as string | undefined) ?? undefined,
          expiresAt: body.expires_at as string | undefined,
          createdAt: new Date().toISOString(),
          blob,
        });
        return { status: 200, body: { ok: true, signed_upload_url: signedUrl(blob, sig) } };
      }
      case 'FinalizeArtifact': {
        const artifact = inRun.find((a) => a.name === body.name && a.jobId === scope.jobId && !a.finalized);
        if (!artifact) return error(404, 'not_found', 'no artifact of that name is being uploaded');
        const bytes = blobs.get(artifact.blob)?.committed;
        if (!bytes) return error(400, 'invalid_argument', 'the artifact has no uploaded content');
        if (Number(body.size) !== bytes.length) {
          violations.push(`FinalizeArtifact: size ${body.size}, but ${bytes.length} bytes were uploaded`);
        }
        const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        if (body.hash !== undefined && body.hash !== digest) {
          violations.push(`FinalizeArtifact: hash ${body.hash}, but the upload hashes to ${digest}`);
        }
        Object.assign(artifact, { finalized: true, size: bytes.length, digest });
        return { status: 200, body: { ok: true, artifact_id: String(artifact.id) } };
      }
      case 'ListArtifacts': {
        const listed = inRun.filter(
          (a) =>
            a.finalized &&
            (body.name_filter === undefined || a.name === body.name_filter) &&
            (body.id_filter === undefined || String(a.id) === body.id_filter),
        );
        return {
          status: 200,
          body: {
            artifacts: listed.map((a) => ({
              workflow_run_backend_id: a.runId,
              workflow_job_run_backend_id: a.jobId,
              database_id: String(a.id),
              name: a.name,
              size: String(a.size),
              created_at: a.createdAt,
              ...(a.digest ? { digest: a.digest } : {}),
            })),
          },
        };
      }
      case 'GetSignedArtifactURL': {
        const artifact = inRun.find(
          (a) => a.name === body.name && a.jobId === body.workflow_job_run_backend_id && a.finalized,
        );
        if (!artifact) return error(404, 'not_found', 'artifact not found');
        const blob = blobs.get(artifact.blob) as Blob;
        return { status: 200, body: { signed_url: signedUrl(artifact.blob, blob.sig) } };
      }
      default:
        return error(404, 'bad_route', `no method ${method}`);
    }
  }

  const signedUrl = (blob: string, sig: string) =>
    `${origin}${ACCOUNT}${blob}?sv=2025-01-05&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=rcw&sig=${sig}`;

  /** Azure block blob operations, at a signed URL only. */
  function storage(request: IncomingMessage, url: URL, raw: Buffer) {
    const plain = (status: number, text: string) => ({ status, text });
    const blob = blobs.get(url.pathname.slice(ACCOUNT.length));
    if (!blob || url.searchParams.get('sig') !== blob.sig) return plain(403, 'AuthenticationFailed');
    const comp = url.searchParams.get('comp');
    if (request.method === 'PUT' && comp === 'block') {
      if (!request.headers['x-ms-version']) violations.push('Put Block without x-ms-version');
      const id = url.searchParams.get('blockid') ?? '';
      if (!/^[A-Za-z0-9+/]+=*$/.test(id)) violations.push(`Put Block: block id ${id} is not base64`);
      if (Number(request.headers['content-length']) !== raw.length) {
        violations.push('Put Block: Content-Length differs from the body');
      }
      blob.blocks.set(id, raw);
      return plain(201, '');
    }
    if (request.method === 'PUT' && comp === 'blocklist') {
      const ids = [...raw.toString('utf8').matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)].map(
        (m) => m[2] as string,
      );
      const missing = ids.filter((id) => !blob.blocks.has(id));
      if (missing.length > 0) return plain(400, 'InvalidBlockList');
      blob.committed = Buffer.concat(ids.map((id) => blob.blocks.get(id) as Buffer));
      blob.contentType = request.headers['x-ms-blob-content-type'] as string | undefined;
      blob.blocks.clear();
      return plain(201, '');
    }
    if (request.method === 'GET' && !comp) {
      if (!blob.committed) return plain(404, 'BlobNotFound');
      return {
        status: 200,
        bytes: blob.committed,
        contentType: blob.contentType ?? 'application/octet-stream',
      };
    }
    violations.push(`storage: ${request.method} ${comp ?? ''} is not emulated`);
    return plain(400, 'UnsupportedOperation');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname.startsWith(SERVICE)) {
      const method = url.pathname.slice(SERVICE.length);
      const answer = (status: number, body: unknown) => {
        requests.push({ method: request.method ?? '', operation: method, status });
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const message = MESSAGES[method];
      if (request.method !== 'POST' || !message)
        return answer(404, { code: 'bad_route', msg: 'no such method' });
      if (!/^application\/json/.test(request.headers['content-type'] ?? '')) {
        violations.push(
          `${method}: content-type ${request.headers['content-type']}, expected application/json`,
        );
      }
      const scope = claims(request);
      if (!scope) return answer(401, { code: 'unauthenticated', msg: 'invalid or missing runtime token' });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        violations.push(`${method}: the body is not JSON`);
        return answer(400, { code: 'malformed', msg: 'the body is not JSON' });
      }
      for (const [field, value] of Object.entries(body)) {
        const kind = message.fields[field];
        if (!kind) violations.push(`${method}: unknown field ${field}`);
        else if (!fits[kind](value))
          violations.push(`${method}: ${field} is not a ${kind}: ${JSON.stringify(value)}`);
      }
      for (const field of message.required) {
        if (body[field] === undefined) violations.push(`${method}: ${field} is missing`);
      }
      const result = twirp(method, body, scope);
      return answer(result.status, result.body);
    }
    if (url.pathname.startsWith(ACCOUNT)) {
      const result = storage(request, url, raw);
      const operation = request.method === 'GET' ? 'blob:get' : `blob:${url.searchParams.get('comp')}`;
      requests.push({ method: request.method ?? '', operation, status: result.status });
      const headers = { 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': '2025-01-05' };
      if ('bytes' in result) {
        response
          .writeHead(200, {
            ...headers,
            'content-type': result.contentType,
            'content-length': result.bytes.length,
          })
          .end(result.bytes);
      } else {
        response.writeHead(result.status, headers).end(result.text);
      }
      return;
    }
    requests.push({ method: request.method ?? '', operation: url.pathname, status: 404 });
    violations.push(`${request.method} ${url.pathname}: not a route of the results service`);
    response.writeHead(404).end();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      violations.push(`emulator error: ${(error as Error).message}`);
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    runtimeToken: (runId, jobId) =>
      [
        base64url({ alg: 'RS256', typ: 'JWT' }),
        base64url({ scp: `Actions.GenericRead:00000000 Actions.Results:${runId}:${jobId}` }),
        'c2lnbmF0dXJl',
      ].join('.'),
    artifacts,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
