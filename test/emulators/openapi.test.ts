import { describe, expect, it } from 'vitest';
import { loadDocument, type OpenApiDocument, OpenApiValidator } from './openapi';

interface CutScript {
  OPERATION_IDS: string[];
  cut(spec: unknown, operationIds?: string[]): unknown;
}

// A variable specifier keeps the plain-JS script out of type checking.
const scriptUrl = new URL('../../scripts/cut-github-openapi.mjs', import.meta.url).href;
const script = (await import(scriptUrl)) as CutScript;

function operationIds(document: OpenApiDocument): string[] {
  return Object.values(document.paths).flatMap((item) =>
    Object.values(item).flatMap((op) => {
      const id = (op as { operationId?: unknown } | undefined)?.operationId;
      return typeof id === 'string' ? [id] : [];
    }),
  );
}

function unresolvedRefs(document: OpenApiDocument): string[] {
  const missing: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string') {
          let target: unknown = document;
          for (const part of child.replace(/^#\//, '').split('/')) {
            target = (target as Record<string, unknown> | undefined)?.[
              part.replaceAll('~1', '/').replaceAll('~0', '~')
            ];
          }
          if (target === undefined) missing.push(child);
        } else visit(child);
      }
    }
  };
  visit(document);
  return missing;
}

describe('test/openapi/github-subset.json', () => {
  const subset = loadDocument('openapi/github-subset.json');

  it('holds exactly the operations the cut script lists', () => {
    expect(operationIds(subset).sort()).toEqual([...script.OPERATION_IDS].sort());
  });

  it('resolves every $ref inside itself', () => {
    expect(unresolvedRefs(subset)).toEqual([]);
  });

  it('holds nothing that its operations do not reach, in a stable order (cutting it again changes nothing)', () => {
    expect(JSON.stringify(script.cut(subset), null, 2)).toBe(JSON.stringify(subset, null, 2));
  });

  it('names its source package and keeps its version', () => {
    expect(subset.info.version).toBe('23.0.2');
    expect(subset.info['x-cut-from']).toMatch(/^@octokit\/openapi@23\.0\.2 /);
  });
});

describe('test/openapi/gitlab-subset.json', () => {
  const subset = loadDocument('openapi/gitlab-subset.json');

  it('resolves every $ref and compiles, under the /api/v4 base path', () => {
    expect(unresolvedRefs(subset)).toEqual([]);
    const validator = new OpenApiValidator(subset);
    expect(validator.basePath).toBe('/api/v4');
    expect(validator.operationIds).toHaveLength(23);
  });
});

describe('OpenApiValidator reads OpenAPI 3.0, not JSON Schema', () => {
  const document: OpenApiDocument = {
    openapi: '3.0.3',
    info: { title: 'tiny', version: '1' },
    servers: [{ url: 'https://example.test/api/v1' }],
    paths: {
      '/things/{id}': {
        put: {
          operationId: 'put-thing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    label: { type: 'string', nullable: true, enum: ['a', 'b'] },
                    score: { type: 'number', minimum: 0, exclusiveMinimum: true },
                    color: { type: 'string', format: 'x-house-color' },
                  },
                },
              },
            },
          },
          responses: { '204': { description: 'done' } },
        },
      },
    },
  };
  const validator = new OpenApiValidator(document);
  const route = validator.match('PUT', '/things/3');

  it('matches below the base path of servers[0] and parses path parameters as sent', () => {
    expect(validator.basePath).toBe('/api/v1');
    expect('error' in route ? route.error : route.params).toEqual({ id: '3' });
    expect(validator.match('GET', '/things/3')).toEqual({ error: 'no GET operation for /api/v1/things/3' });
  });

  it('takes nullable, boolean exclusiveMinimum and unknown formats the OpenAPI 3.0 way', () => {
    if ('error' in route) throw new Error(route.error);
    const check = (value: unknown) =>
      validator.validateRequest(route.route, route.params, new URLSearchParams(), { kind: 'json', value });
    expect(check({ label: null, score: 0.5, color: 'teal' })).toEqual([]);
    expect(check({ label: 'c' })).toEqual([expect.stringContaining('/label')]);
    expect(check({ score: 0 })).toEqual([expect.stringContaining('/score')]);
  });
});
