import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote, tempDir } from '../../../../test/helpers/git';
import { createProvider, DEFAULT_HTTP_BODY } from './providers';
import type { TemplateValues } from './template';

const values: TemplateValues = {
  model: 'fraud',
  version: '1.3.0',
  stable_version: '1.2.0',
  weight: 25,
  stable_weight: 75,
  environment: 'prod',
  step: 2,
};

describe('the command provider', () => {
  const dir = tempDir();
  const provider = (setWeight: string) =>
    createProvider({ type: 'command', setWeight, timeoutMs: 5000 }, { cwd: dir, env: process.env });

  it('runs set-weight with the values quoted; a non-zero exit is a failed step', async () => {
    const ok = await provider(
      `printf '%s ' {model} {version} {stable_version} {weight} {stable_weight} {environment} > out.txt`,
    ).setWeight(values);
    expect(ok).toMatchObject({ ok: true });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('fraud 1.3.0 1.2.0 25 75 prod ');
    expect(await provider('echo "endpoint not found" >&2; exit 4').setWeight(values)).toMatchObject({
      ok: false,
      error: 'set-weight exited with 4: endpoint not found',
    });
  });

  it('refuses a template with an unknown placeholder before anything runs', () => {
    expect(() => provider('kubectl patch isvc {model} --weight {wieght}')).toThrow(
      'set-weight: unknown placeholder {wieght} (did you mean {weight}?)',
    );
  });
});

describe('the http provider', () => {
  it('POSTs the JSON body with the headers; an error status is a failed step', async () => {
    const received: { body: string; auth?: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push({ body, auth: req.headers.authorization });
        res.writeHead(JSON.parse(body).weight > 50 ? 409 : 200).end('{"ok": true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/traffic`;
    const provider = createProvider(
      { type: 'http', url, body: DEFAULT_HTTP_BODY, headerNames: ['authorization'], timeoutMs: 2000 },
      { cwd: '.', env: {}, headers: { authorization: 'Bearer s3cret-value' } },
    );
    expect(await provider.setWeight(values)).toMatchObject({ ok: true });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      model: 'fraud',
      version: '1.3.0',
      stable_version: '1.2.0',
      weight: 25,
      environment: 'prod',
    });
    expect(received[0]?.auth).toBe('Bearer s3cret-value');
    expect(await provider.setWeight({ ...values, weight: 60 })).toMatchObject({
      ok: false,
      error: `POST ${url}: HTTP 409 {"ok": true}`,
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses credentials in the URL and a body that is not JSON', () => {
    const http = (url: string, body = DEFAULT_HTTP_BODY) =>
      createProvider({ type: 'http', url, body, headerNames: [], timeoutMs: 1000 }, { cwd: '.', env: {} });
    expect(() => http('http://admin:pw@router/admin')).toThrow(
      'router-url: carries credentials; pass them as a header instead',
    );
    expect(() => http('http://router/admin', '{"weight": {weight}')).toThrow(
      /^body: not JSON once templated/,
    );
  });
});

const MANIFEST = `# Traffic split for the fraud model (owned by the ML team)
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: fraud
spec:
  http:
    - route:
        - destination: { host: fraud, subset: "1.2.0" }
          weight: 100 # stable
        - destination: { host: fraud, subset: '1.2.0' }
          weight: 0   # canary
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fraud-notes
data:
  owner: ml-team
`;

function gitopsProvider(work: string, env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void) {
  return createProvider(
    {
      type: 'gitops',
      file: 'deploy/fraud.yaml',
      set: [
        { path: 'VirtualService/fraud:spec.http[0].route[0].weight', value: '{stable_weight}' },
        { path: 'VirtualService/fraud:spec.http[0].route[1].weight', value: '{weight}' },
        { path: 'VirtualService/fraud:spec.http[0].route[1].destination.subset', value: '{version}' },
      ],
      branch: 'main',
      remote: 'origin',
      timeoutMs: 10_000,
    },
    { cwd: work, env, log, retry: { attempts: 5, baseMs: 10 } },
  );
}

describe('the gitops provider', () => {
  it('changes only the values in the manifest, and pushes one commit without touching the checkout', async () => {
    const { work, origin } = repoWithRemote({ 'deploy/fraud.yaml': MANIFEST, 'README.md': 'x' });
    const head = git(work, 'rev-parse', 'HEAD');
    expect(await gitopsProvider(work).setWeight(values)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^pushed [0-9a-f]{12} to main$/),
    });
    const after = git(origin, 'show', 'main:deploy/fraud.yaml');
    expect(after).toBe(
      MANIFEST.replace('weight: 100 # stable', 'weight: 75 # stable')
        .replace("subset: '1.2.0' }", "subset: '1.3.0' }")
        .replace('weight: 0   # canary', 'weight: 25   # canary')
        .trimEnd(),
    );
    expect(git(origin, 'log', '-1', '--format=%s', 'main')).toBe('mcp: fraud 1.3.0 at 25% in prod');
    // The job's checkout, index and HEAD are as they were.
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(work, 'status', '--porcelain')).toBe('');
    // The same weights again: nothing to commit.
    expect(await gitopsProvider(work).setWeight(values)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/already holds/),
    });
    expect(git(origin, 'rev-list', '--count', 'main')).toBe('2');
  });

  it('re-applies on top of a commit another writer pushed meanwhile, never force-pushing', async () => {
    const { root, work, origin } = repoWithRemote({ 'deploy/fraud.yaml': MANIFEST, 'README.md': 'x' });
    const other = join(root, 'other');
    git(root, 'clone', '-q', origin, other);
    // A `git` first on PATH that, on our first push, lets the other writer push first: the race, every time.
    const bin = tempDir();
    const real = join(git(root, '--exec-path'), 'git');
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nif [ "$1" = push ] && [ ! -e "${bin}/raced" ]; then\n  touch "${bin}/raced"\n  cd "${other}" && sed -i 's/owner: ml-team/owner: platform-team/' deploy/fraud.yaml && "${real}" -c user.name=o -c user.email=o@x commit -qam "other writer" && "${real}" push -q origin main && cd - >/dev/null\nfi\nexec "${real}" "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const lines: string[] = [];
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const result = await gitopsProvider(work, env, (line) => lines.push(line)).setWeight(values);
    expect(result).toMatchObject({ ok: true });
    expect(lines).toEqual([
      expect.stringMatching(
        /^gitops: main moved while we committed; trying again in \d+ ms \(attempt 2 of 5\)$/,
      ),
    ]);
    expect(git(origin, 'log', '--format=%s', 'main')).toBe(
      'mcp: fraud 1.3.0 at 25% in prod\nother writer\nbase',
    );
    const file = git(origin, 'show', 'main:deploy/fraud.yaml');
    expect(file).toContain('owner: platform-team');
    expect(file).toContain('weight: 25   # canary');
  });

  it('a path the manifest lacks fails the step with the reason', async () => {
    const { work } = repoWithRemote({ 'deploy/fraud.yaml': MANIFEST });
    const provider = createProvider(
      {
        type: 'gitops',
        file: 'deploy/fraud.yaml',
        set: [{ path: 'spec.canaryTrafficPercent', value: '{weight}' }],
        branch: 'main',
        remote: 'origin',
        timeoutMs: 5000,
      },
      { cwd: work, env: process.env },
    );
    expect(await provider.setWeight(values)).toMatchObject({
      ok: false,
      error:
        'gitops: deploy/fraud.yaml holds 2 documents; prefix the path with the one to change (<Kind>/<name>:spec.canaryTrafficPercent)',
    });
  });
});
