import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubEmulator } from '../../../../test/emulators/github';
import { startGitLabEmulator } from '../../../../test/emulators/gitlab';
import { InputError } from '../errors';
import { GitHubPlatform } from './github';
import { GitLabPlatform } from './gitlab';
import { LocalPlatform } from './local';

const store = { kind: 'release', name: 'mcp-store' } as const;
const packages = { kind: 'gitlab-package', name: 'mcp-store' } as const;
let dir: string;
let log: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-hosted-'));
  log = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (env: Record<string, string>) => ({ env, cwd: dir, log: (line: string) => log.push(line) });

describe('hostedStore: the store each CI host keeps, with its credentials', () => {
  it('GitHub: release assets with the job token, GITHUB_API_URL and GITHUB_REPOSITORY', async () => {
    const api = await startGitHubEmulator({ tokens: { ghs_job0000000000: 'write' } });
    try {
      const env = {
        GITHUB_API_URL: api.url,
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_TOKEN: 'ghs_job0000000000',
      };
      const platform = new GitHubPlatform(options(env));
      const backend = platform.hostedStore(store, 'store');
      expect(backend.description).toBe('release mcp-store of acme/models');
      expect(await backend.list()).toEqual([]);
      // Listing finds or creates the draft storage release, always with the job's token.
      expect(new Set(api.requests.map((r) => r.headers.authorization))).toEqual(
        new Set(['token ghs_job0000000000']),
      );
      expect(api.state.releases).toEqual([expect.objectContaining({ tagName: 'mcp-store', draft: true })]);
      expect(log).toEqual(['::add-mask::ghs_job0000000000']);
      expect(api.violations).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('GitHub: no token, no repository, or GitLab’s kind of store is bad input naming the input', () => {
    const tokenless = new GitHubPlatform(options({ GITHUB_REPOSITORY: 'acme/models' }));
    expect(() => tokenless.hostedStore(store, 'store')).toThrow(
      "store: release needs a token with contents: write; set the token input (default: the job's token) or GITHUB_TOKEN",
    );
    const homeless = new GitHubPlatform(options({ GITHUB_TOKEN: 'ghs_job0000000000' }));
    expect(() => homeless.hostedStore(store, 'store')).toThrow(/GITHUB_REPOSITORY/);
    expect(() => homeless.hostedStore(packages, 'store')).toThrow(
      'store: "gitlab-package" (GitLab generic packages) is not available on GitHub; use release, auto or local:<dir>',
    );
  });

  it('GitLab: a token given as input, else CI_JOB_TOKEN, else MCP_GITLAB_TOKEN; each masked', async () => {
    const gitlab = await startGitLabEmulator();
    try {
      const job = { CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '1', CI_JOB_TOKEN: 'job-token' };
      const sent = async (platform: GitLabPlatform) => {
        await platform.hostedStore(packages, 'store').list();
        const headers = gitlab.requests.at(-1)?.headers ?? {};
        return [headers['private-token'], headers['job-token']];
      };
      const given = new GitLabPlatform(options({ ...job, MCP_GITLAB_TOKEN: 'other-token' }));
      given.useToken('project-token');
      expect(await sent(given)).toEqual(['project-token', undefined]);
      expect(await sent(new GitLabPlatform(options({ ...job, MCP_GITLAB_TOKEN: 'project-token' })))).toEqual([
        undefined,
        'job-token',
      ]);
      const outside = new GitLabPlatform(
        options({ CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '1', MCP_GITLAB_TOKEN: 'project-token' }),
      );
      expect(await sent(outside)).toEqual(['project-token', undefined]);
      outside.info('token project-token, job token job-token');
      expect(log.at(-1)).toBe('token ***, job token job-token');
      expect(gitlab.violations).toEqual([]);
    } finally {
      await gitlab.close();
    }
  });

  it('GitLab: no token or no project, or GitHub’s kind of store, is bad input naming the input', () => {
    const tokenless = new GitLabPlatform(options({ CI_PROJECT_ID: '1' }));
    expect(() => tokenless.hostedStore(packages, 'store')).toThrow(/^store: gitlab-package needs a token/);
    const nowhere = new GitLabPlatform(options({ CI_JOB_TOKEN: 'job-token' }));
    expect(() => nowhere.hostedStore(packages, 'store')).toThrow(/CI_PROJECT_ID/);
    expect(() => nowhere.hostedStore(store, 'store')).toThrow(
      'store: "release" (GitHub release assets) is not available on GitLab; use gitlab-package, auto or local:<dir>',
    );
  });

  it('locally there is no hosted store', async () => {
    const platform = await LocalPlatform.create(options({}));
    for (const kind of [store, packages]) {
      expect(() => platform.hostedStore(kind, 'store')).toThrow(InputError);
    }
    expect(() => platform.hostedStore(store, 'store')).toThrow(
      'store: "release" (GitHub release assets) is not available outside GitHub Actions and GitLab CI; use auto (.mcp/store) or local:<dir>',
    );
  });
});
