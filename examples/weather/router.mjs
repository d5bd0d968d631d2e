#!/usr/bin/env node
// A weighted router in front of the model servers, driven by mcp's `http` provider:
// `node router.mjs [--backend 0.0.1=http://127.0.0.1:P]... [--stable 0.0.1] [--port 0]`. Listens
// on 127.0.0.1 and prints one JSON line {"port"} once it does.
//   GET  /predict?...            proxied to the stable or the canary version; header x-served-by
//                                names it. Smooth weighted round-robin: at weight 10 exactly 1
//                                request in 10 goes to the canary, at 0 none, at 100 all.
//   POST /admin/traffic          {"version", "stable_version", "weight"} (the http provider's
//                                default body): `weight` percent to `version`, the rest to
//                                `stable_version`
//   GET  /admin/traffic          the current split
//   GET  /admin/history          every split set by POST /admin/traffic, with its time ({at, ...})
//   POST /admin/backends         {"version", "url"}: a model server joins (or moves)
//   GET  /backends/<version>/... that version's server directly (analysis reads each version's
//                                /metrics through one address: /backends/{version}/metrics)
//   GET  /health                 the split and the backends
// Versions are compared without a leading "v" (v0.0.2 and 0.0.2 are one version).
import { createServer, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', multiple: true, default: [] },
    stable: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const key = (version) => String(version ?? '').replace(/^v(?=\d)/, '');
const backends = new Map();
for (const spec of values.backend) {
  const at = spec.indexOf('=');
  if (at === -1) fail(`--backend: "${spec}" is not <version>=<url>`);
  backends.set(key(spec.slice(0, at)), spec.slice(at + 1));
}
let state = { stable: values.stable ? key(values.stable) : null, canary: null, weight: 0 };
let credit = { stable: 0, canary: 0 };
const history = [];

function pick() {
  if (!state.canary || state.weight <= 0) return state.stable;
  if (state.weight >= 100) return state.canary;
  credit.stable += 100 - state.weight;
  credit.canary += state.weight;
  const side = credit.canary >= credit.stable ? 'canary' : 'stable';
  credit[side] -= 100;
  return state[side];
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body);
}

function proxy(req, res, version, path) {
  const base = backends.get(version);
  if (!base) return sendJson(res, 502, { error: `no backend for version ${JSON.stringify(version)}` });
  const upstream = request(new URL(path, base), { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-served-by': version });
    answer.pipe(res);
  });
  upstream.on('error', (error) => sendJson(res, 502, { error: error.message, version }));
  req.pipe(upstream);
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/health')
    return sendJson(res, 200, { status: 'ok', ...state, backends: Object.fromEntries(backends) });
  if (path === '/admin/traffic' && req.method === 'GET') return sendJson(res, 200, state);
  if (path === '/admin/history' && req.method === 'GET') return sendJson(res, 200, history);
  if (path === '/admin/traffic' || path === '/admin/backends') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: `${req.method} ${path}: use POST` });
    let change;
    try {
      change = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (path === '/admin/backends') {
      if (!change.version || !/^https?:\/\//.test(String(change.url))) {
        return sendJson(res, 400, { error: 'expected {"version", "url"} with an http(s) url' });
      }
      backends.set(key(change.version), String(change.url));
      state.stable ??= key(change.version);
      return sendJson(res, 200, { ok: true, backends: Object.fromEntries(backends) });
    }
    const weight = Number(change.weight);
    const canary = key(change.version);
    const stable = key(change.stable_version) || state.stable;
    const unknown = [canary, stable].filter((v) => !backends.has(v));
    if (unknown.length > 0)
      return sendJson(res, 400, { error: `no backend for version ${unknown.join(', ')}` });
    if (!(weight >= 0 && weight <= 100))
      return sendJson(res, 400, { error: `weight ${change.weight} is not 0–100` });
    // All traffic on one version makes it the stable one: a finished rollout or a rollback.
    state = weight >= 100 ? { stable: canary, canary: null, weight: 0 } : { stable, canary, weight };
    credit = { stable: 0, canary: 0 };
    history.push({ at: Date.now(), ...state });
    return sendJson(res, 200, { ok: true, ...state });
  }
  const direct = /^\/backends\/([^/]+)(\/.*)$/.exec(path);
  if (direct) return proxy(req, res, key(decodeURIComponent(direct[1])), `${direct[2]}${url.search}`);
  const version = pick();
  if (!version)
    return sendJson(res, 503, { error: 'no stable version yet (POST /admin/traffic or --stable)' });
  proxy(req, res, version, `${path}${url.search}`);
});

server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
