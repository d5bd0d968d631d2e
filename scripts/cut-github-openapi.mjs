#!/usr/bin/env node
// Cuts the few GitHub REST operations our actions use out of @octokit/openapi into
// test/openapi/github-subset.json, which the GitHub emulator validates every request against.
// The package unpacks to ~400 MB, so the project depends on this small cut instead.
//
//   node scripts/cut-github-openapi.mjs                      # npm pack the package into a temp dir
//   node scripts/cut-github-openapi.mjs path/to/openapi.tgz  # an already downloaded tarball
//   node scripts/cut-github-openapi.mjs path/to/api.github.com.json
//
// To emulate another endpoint: add its operationId below, run the script, commit the output.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPERATION_IDS = [
  // sticky comment on a PR, or on a commit when there is no PR
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
  'repos/list-comments-for-commit',
  'repos/create-commit-comment',
  'repos/update-commit-comment',
  // context
  'pulls/get',
  'repos/get',
  'repos/get-collaborator-permission-level',
  // registry: annotated tag + release holding the model files; content store in release assets
  'repos/create-release',
  'repos/list-releases',
  'repos/get-release-by-tag',
  'repos/update-release',
  'repos/delete-release',
  'repos/upload-release-asset',
  'repos/list-release-assets',
  'repos/get-release-asset',
  'repos/delete-release-asset',
  'git/create-ref',
  'git/create-tag',
  'git/get-ref',
  // deploy-canary / rollback
  'repos/create-deployment',
  'repos/create-deployment-status',
  'repos/list-deployments',
  // register-model / validate-data start the next workflow (events of the job token start none)
  'actions/create-workflow-dispatch',
];

const PACKAGE = '@octokit/openapi';
const VERSION = '23.0.2';
const SPEC_IN_PACKAGE = 'package/generated/api.github.com.json';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
const COMPONENT_SECTIONS = [
  'schemas',
  'responses',
  'parameters',
  'examples',
  'requestBodies',
  'headers',
  'securitySchemes',
  'links',
  'callbacks',
];

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputPath = join(repoRoot, 'test/openapi/github-subset.json');

function readSpec(source) {
  if (source?.endsWith('.json')) return JSON.parse(readFileSync(source, 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'cut-github-openapi-'));
  try {
    let tarball = source;
    if (!tarball) {
      const packed = execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--silent'], {
        cwd: work,
        encoding: 'utf8',
      });
      tarball = join(work, packed.trim().split('\n').pop());
    }
    // Extract the one file we read: the whole package is ~400 MB unpacked.
    execFileSync('tar', ['-xzf', tarball, '-C', work, SPEC_IN_PACKAGE]);
    return JSON.parse(readFileSync(join(work, SPEC_IN_PACKAGE), 'utf8'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function pickOperations(spec, wanted) {
  const paths = {};
  const found = new Set();
  for (const path of Object.keys(spec.paths).sort()) {
    const item = spec.paths[path];
    const kept = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && wanted.has(operation.operationId)) {
        kept[method] = operation;
        found.add(operation.operationId);
      }
    }
    if (Object.keys(kept).length === 0) continue;
    // Path-level fields (shared parameters, servers) apply to every kept operation.
    const shared = Object.fromEntries(Object.entries(item).filter(([key]) => !METHODS.includes(key)));
    paths[path] = { ...shared, ...kept };
  }
  const missing = [...wanted].filter((id) => !found.has(id));
  if (missing.length > 0) throw new Error(`operations not in ${PACKAGE}@${VERSION}: ${missing.join(', ')}`);
  return paths;
}

function* refsIn(value) {
  if (Array.isArray(value)) {
    for (const item of value) yield* refsIn(item);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') yield child;
      else yield* refsIn(child);
    }
  }
}

function decodePointerPart(part) {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Components reachable from `roots`, following $refs transitively: section → name → definition. */
function collectComponents(spec, roots) {
  const kept = {};
  const pending = [...refsIn(roots)];
  while (pending.length > 0) {
    const ref = pending.pop();
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
    if (!match) throw new Error(`unsupported $ref ${ref}: only whole components are expected`);
    const section = match[1];
    const name = decodePointerPart(match[2]);
    if (kept[section]?.[name]) continue;
    const definition = spec.components?.[section]?.[name];
    if (!definition) throw new Error(`dangling $ref ${ref}`);
    kept[section] ??= {};
    kept[section][name] = definition;
    pending.push(...refsIn(definition));
  }
  const sorted = {};
  for (const section of COMPONENT_SECTIONS.filter((s) => kept[s])) {
    sorted[section] = Object.fromEntries(
      Object.keys(kept[section])
        .sort()
        .map((n) => [n, kept[section][n]]),
    );
  }
  return sorted;
}

export function cut(spec, operationIds = OPERATION_IDS) {
  const paths = pickOperations(spec, new Set(operationIds));
  const usedTags = new Set(
    Object.values(paths).flatMap((item) => METHODS.flatMap((m) => item[m]?.tags ?? [])),
  );
  return {
    openapi: spec.openapi,
    info: {
      ...spec.info,
      'x-cut-from': `${PACKAGE}@${VERSION} generated/api.github.com.json`,
      'x-cut-by': 'scripts/cut-github-openapi.mjs',
    },
    servers: spec.servers,
    externalDocs: spec.externalDocs,
    tags: (spec.tags ?? []).filter((tag) => usedTags.has(tag.name)),
    paths,
    components: collectComponents(spec, paths),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const subset = cut(readSpec(process.argv[2]));
  const text = `${JSON.stringify(subset, null, 2)}\n`;
  writeFileSync(outputPath, text);
  const counts = Object.entries(subset.components).map(([s, c]) => `${Object.keys(c).length} ${s}`);
  console.log(
    `wrote ${outputPath}: ${OPERATION_IDS.length} operations, ${counts.join(', ')}, ${text.length} bytes`,
  );
}
