import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubEmulator } from '../../../../test/emulators/github';
import { startGitLabEmulator } from '../../../../test/emulators/gitlab';
import { McpError } from '../errors';
import { GitHubPlatform } from './github';
import { GitLabPlatform } from './gitlab';
import { LocalPlatform } from './local';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-access-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (env: Record<string, string>) => ({ env, cwd: dir, log: () => {} });

describe('role: who may promote and roll back, asked of the host', () => {
  it('GitHub: the collaborator permission API, 404 meaning no role', async () => {
    const api = await startGitHubEmulator({
      collaborators: { alice: 'maintain', bob: 'write', carol: 'admin', dave: 'triage' },
    });
    try {
      const env = { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'acme/models', GITHUB_TOKEN: 'test-token' };
      const platform = new GitHubPlatform(options(env));
      expect(await platform.role('alice')).toBe('maintain');
      expect(await platform.role('bob')).toBe('write');
      expect(await platform.role('carol')).toBe('admin');
      expect(await platform.role('dave')).toBe('triage');
      expect(await platform.role('mallory')).toBe('none');
      expect(api.violations).toEqual([]);
      await expect(
        new GitHubPlatform(options({ GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'acme/models' })).role(
          'alice',
        ),
      ).rejects.toThrow("cannot check alice's permission: no token");
      const badToken = new GitHubPlatform(options({ ...env, GITHUB_TOKEN: 'revoked-token' }));
      await expect(badToken.role('alice')).rejects.toThrow(
        new McpError(
          "cannot check alice's permission: GitHub answered 401 (the token needs metadata: read on this repository)",
        ),
      );
    } finally {
      await api.close();
    }
  });

  it('GitLab: access levels of direct and inherited members, by exact username', async () => {
    const api = await startGitLabEmulator({
      members: [
        { username: 'alice', accessLevel: 40 },
        { username: 'alice2', accessLevel: 50 },
        { username: 'bob', accessLevel: 30 },
        { username: 'eve', accessLevel: 20 },
      ],
    });
    try {
      const env = { CI_API_V4_URL: api.apiUrl, CI_PROJECT_ID: '1', MCP_GITLAB_TOKEN: 'project-token' };
      const platform = new GitLabPlatform(options(env));
      expect(await platform.role('alice')).toBe('maintain');
      expect(await platform.role('alice2')).toBe('admin');
      expect(await platform.role('bob')).toBe('write');
      expect(await platform.role('eve')).toBe('read');
      expect(await platform.role('mallory')).toBe('none');
      expect(api.violations).toEqual([]);
      const jobOnly = new GitLabPlatform(
        options({ ...env, MCP_GITLAB_TOKEN: '', CI_JOB_TOKEN: 'job-token' }),
      );
      await expect(jobOnly.role('alice')).rejects.toThrow('the job token may not read project members');
    } finally {
      await api.close();
    }
  });

  it('locally there is no host to ask', async () => {
    const platform = await LocalPlatform.create(options({}));
    expect(await platform.role('anyone')).toBeUndefined();
    expect(await platform.dispatch({ workflow: 'train.yml', inputs: {} })).toEqual({
      status: 'skipped',
      reason: 'no CI host to start a workflow on (local run)',
    });
  });
});

describe('dispatch: starting the next workflow, since events of the job token start none', () => {
  it('GitHub: workflow_dispatch on the current branch with the inputs; clear errors for a missing trigger or input', async () => {
    const api = await startGitHubEmulator({
      workflows: [
        { file: 'deploy.yml', inputs: ['model', 'version'] },
        { file: 'ci.yml', dispatchable: false },
      ],
    });
    try {
      const env = {
        GITHUB_API_URL: api.url,
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_TOKEN: 'test-token',
        GITHUB_REF: 'refs/heads/main',
      };
      const platform = new GitHubPlatform(options(env));
      const result = await platform.dispatch({
        workflow: 'deploy.yml',
        inputs: { model: 'churn', version: 'v1.2.0' },
      });
      expect(result).toEqual({
        status: 'dispatched',
        url: 'https://github.com/acme/models/actions/workflows/deploy.yml',
      });
      expect(api.state.dispatches).toEqual([
        {
          repo: 'acme/models',
          workflow: 'deploy.yml',
          ref: 'main',
          inputs: { model: 'churn', version: 'v1.2.0' },
        },
      ]);
      await expect(platform.dispatch({ workflow: 'ci.yml', inputs: {} })).rejects.toThrow(
        /dispatch ci\.yml: GitHub answered 422: .*workflow_dispatch/,
      );
      await expect(platform.dispatch({ workflow: 'deploy.yml', inputs: { stage: 'x' } })).rejects.toThrow(
        /Unexpected inputs provided/,
      );
      await expect(platform.dispatch({ workflow: 'nope.yml', inputs: {} })).rejects.toThrow(
        'dispatch nope.yml: GitHub answered 404: no workflow nope.yml on main',
      );
      const readOnly = await startGitHubEmulator({
        readOnlyToken: 'fork-token',
        workflows: [{ file: 'deploy.yml' }],
      });
      try {
        const fork = new GitHubPlatform(
          options({ ...env, GITHUB_API_URL: readOnly.url, GITHUB_TOKEN: 'fork-token' }),
        );
        await expect(fork.dispatch({ workflow: 'deploy.yml', inputs: {} })).rejects.toThrow('actions: write');
      } finally {
        await readOnly.close();
      }
      expect(api.violations).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('GitLab: the pipelines API with an access token, the trigger API with a trigger token, skipped with the job token alone', async () => {
    const api = await startGitLabEmulator({ triggerTokens: ['glptt-trigger'] });
    try {
      const base = { CI_API_V4_URL: api.apiUrl, CI_PROJECT_ID: '1', CI_COMMIT_REF_NAME: 'main' };
      const withToken = new GitLabPlatform(options({ ...base, MCP_GITLAB_TOKEN: 'project-token' }));
      const started = await withToken.dispatch({
        workflow: 'train',
        inputs: { DATASET: 'weather', VERSION: '3' },
      });
      expect(started).toMatchObject({
        status: 'dispatched',
        url: expect.stringMatching(/\/group\/project\/-\/pipelines\/\d+$/),
      });
      const withTrigger = new GitLabPlatform(options({ ...base, MCP_GITLAB_TRIGGER_TOKEN: 'glptt-trigger' }));
      await withTrigger.dispatch({ workflow: 'train', ref: 'release', inputs: { DATASET: 'weather' } });
      expect(api.state.pipelines.map(({ ref, source, variables }) => ({ ref, source, variables }))).toEqual([
        {
          ref: 'main',
          source: 'api',
          variables: { MCP_WORKFLOW: 'train', DATASET: 'weather', VERSION: '3' },
        },
        { ref: 'release', source: 'trigger', variables: { MCP_WORKFLOW: 'train', DATASET: 'weather' } },
      ]);
      const badTrigger = new GitLabPlatform(options({ ...base, MCP_GITLAB_TRIGGER_TOKEN: 'wrong' }));
      await expect(badTrigger.dispatch({ workflow: 'train', inputs: {} })).rejects.toThrow(
        'starting a pipeline on main: GitLab answered 404',
      );
      const jobOnly = new GitLabPlatform(options({ ...base, CI_JOB_TOKEN: 'job-token' }));
      expect(await jobOnly.dispatch({ workflow: 'train', inputs: {} })).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining('MCP_GITLAB_TRIGGER_TOKEN'),
      });
      expect(api.violations).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
