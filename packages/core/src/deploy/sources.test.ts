import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, parseQueries, readInstantResult } from './sources';
import type { TemplateValues } from './template';

const values: TemplateValues = {
  model: 'fraud',
  version: '1.3.0',
  stable_version: '1.2.0',
  weight: 10,
  stable_weight: 90,
  environment: 'prod',
  step: 1,
};
const runtime = { cwd: process.cwd(), env: process.env };

// Answers in the shapes Prometheus documents for GET /api/v1/query
// (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
const vector = (value: string) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: { version: 'x' }, value: [1714564800.123, value] }] },
  });
const PROMETHEUS: Record<string, [number, string]> = {
  'errors{version="1.3.0"}': [200, vector('0.013')],
  'errors{version="1.2.0"}': [
    200,
    JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1714564800.123, '0.011'] } }),
  ],
  'p95{version="1.3.0"}': [200, vector('NaN')],
  'p95{version="1.2.0"}': [200, vector('0.2')],
  'none{version="1.3.0"}': [
    200,
    JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }),
  ],
  'none{version="1.2.0"}': [200, vector('1')],
  'bad{': [
    400,
    JSON.stringify({
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:5: parse error: unexpected end of input',
    }),
  ],
};

let server: Server;
let base = '';
let seen: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/api/v1/query') {
      const [status, body] = PROMETHEUS[url.searchParams.get('query') ?? ''] ?? [500, 'oops'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    } else if (url.pathname === '/stats') {
      const version = url.searchParams.get('v');
      res
        .writeHead(200)
        .end(JSON.stringify({ error_rate: version === '1.3.0' ? 0.1 : 0.01, predictions: [1, 0] }));
    } else if (url.pathname === '/broken') res.writeHead(503).end('upstream down\nmore');
    else if (url.pathname === '/text') res.writeHead(200).end('<html>');
    else if (url.pathname === '/slow') setTimeout(() => res.writeHead(200).end('{}'), 2000);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the http source', () => {
  const http = (canaryUrl: string, stableUrl = canaryUrl, timeoutMs = 1000) =>
    createSource({ type: 'http', canaryUrl, stableUrl, headerNames: [], timeoutMs }, runtime);

  it('GETs one URL per side, templated with the versions', async () => {
    seen = [];
    const source = http(`${base}/stats?v={version}`, `${base}/stats?v={stable_version}`);
    expect(await source.measure(values)).toEqual({
      ok: true,
      values: {
        canary: { error_rate: 0.1, predictions: [1, 0] },
        stable: { error_rate: 0.01, predictions: [1, 0] },
      },
    });
    expect(seen.sort()).toEqual(['GET /stats?v=1.2.0', 'GET /stats?v=1.3.0']);
  });

  it('a source that is down, failing, slow or not JSON is an error (inconclusive), never values', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await http(`http://127.0.0.1:${port}/stats`).measure(values)).toEqual({
      ok: false,
      error: `canary: GET http://127.0.0.1:${port}/stats: connection refused`,
    });
    expect(await http(`${base}/stats`, `${base}/broken`).measure(values)).toEqual({
      ok: false,
      error: `stable: GET ${base}/broken: HTTP 503 upstream down`,
    });
    expect(await http(`${base}/text`).measure(values)).toEqual({
      ok: false,
      error: `canary: ${base}/text did not answer a JSON object`,
    });
    expect(await http(`${base}/slow`, `${base}/slow`, 200).measure(values)).toEqual({
      ok: false,
      error: `canary: GET ${base}/slow: no answer within 200 ms`,
    });
  });

  it('checks its URLs when created', () => {
    expect(() => http('ftp://x/{version}')).toThrow('canary-url: "ftp://x/v" is not an http(s) URL');
    expect(() => http(`${base}/{vers}`)).toThrow(
      'canary-url: unknown placeholder {vers} (did you mean {version}?)',
    );
  });
});

describe('the prometheus source', () => {
  const prometheus = (queries: Record<string, string>) =>
    createSource({ type: 'prometheus', url: `${base}/`, queries, headerNames: [], timeoutMs: 1000 }, runtime);

  it('runs each query for each side, {version} being that side’s version; vectors and scalars', async () => {
    seen = [];
    expect(
      await prometheus(parseQueries('# rates\nerror_rate: errors{version="{version}"}')).measure(values),
    ).toEqual({
      ok: true,
      values: { canary: { error_rate: 0.013 }, stable: { error_rate: 0.011 } },
    });
    expect(seen.sort()).toEqual([
      `GET /api/v1/query?query=${encodeURIComponent('errors{version="1.2.0"}')}`,
      `GET /api/v1/query?query=${encodeURIComponent('errors{version="1.3.0"}')}`,
    ]);
  });

  it('no data, NaN, a query error and a server error are inconclusive, with the reason', async () => {
    expect(await prometheus({ p95: 'none{version="{version}"}' }).measure(values)).toEqual({
      ok: false,
      error: 'canary.p95: no data (the query matched no series)',
    });
    expect(await prometheus({ p95: 'p95{version="{version}"}' }).measure(values)).toEqual({
      ok: false,
      error: 'canary.p95: NaN (no data yet: a rate over no requests?)',
    });
    expect(await prometheus({ x: 'bad{' }).measure(values)).toEqual({
      ok: false,
      error:
        'canary.x: Prometheus: bad_data: invalid parameter "query": 1:5: parse error: unexpected end of input',
    });
    const failing = await prometheus({ x: 'unknown' }).measure(values);
    expect(failing).toEqual({ ok: false, error: `canary.x: GET ${base}/api/v1/query?…: HTTP 500 oops` });
  });

  it('reads only one number from an answer', () => {
    const two = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: {}, value: [1, '1'] },
          { metric: {}, value: [1, '2'] },
        ],
      },
    });
    expect(readInstantResult(two)).toBe('2 series matched; aggregate them into one (e.g. sum(...))');
    expect(
      readInstantResult(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } })),
    ).toMatch(/a matrix, not a number/);
    expect(readInstantResult('nope')).toBe(
      'Prometheus answered something other than an instant query result',
    );
    expect(readInstantResult(vector('+Inf'))).toBe(Number.POSITIVE_INFINITY);
  });

  it('checks its queries when created', () => {
    expect(() => parseQueries('error rate')).toThrow(
      'queries line 1: expected `<name>: <PromQL>`, found "error rate"',
    );
    expect(() => prometheus({ 'error-rate': 'x' })).toThrow(
      'queries: "error-rate" is not a value name (letters, digits and _)',
    );
  });
});

describe('the command source', () => {
  const command = (text: string) =>
    createSource({ type: 'command', command: text, timeoutMs: 2000 }, runtime);

  it('runs the templated command and reads {"canary": …, "stable": …} from its output', async () => {
    const source = command(
      `printf '{"canary": {"v": "%s", "w": %s}, "stable": {"v": "%s"}}' {version} {weight} {stable_version}`,
    );
    expect(await source.measure(values)).toEqual({
      ok: true,
      values: { canary: { v: '1.3.0', w: 10 }, stable: { v: '1.2.0' } },
    });
  });

  it('a failing command or other output is inconclusive', async () => {
    expect(await command('echo no metrics >&2; exit 3').measure(values)).toEqual({
      ok: false,
      error: 'analysis-command exited with 3: no metrics',
    });
    expect(await command('echo \'{"canary": {}}\'').measure(values)).toEqual({
      ok: false,
      error: 'analysis-command did not print {"canary": {...}, "stable": {...}} as JSON',
    });
  });
});
