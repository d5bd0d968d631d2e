import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GitHubDeployments } from './github-deployments';
import { GitLabDeployments } from './gitlab-deployments';

const request = {
  environment: 'production',
  sha: 'a'.repeat(40),
  ref: 'main',
  description: 'canary fraud@v2 over v1',
  payload: {},
  environmentUrl: 'https://fraud.example.com',
  logUrl: 'https://ci.example/runs/1',
};

describe('a host deployment whose follow-up call fails', () => {
  it('GitHub: the created deployment’s id comes back with a warning when its in_progress status fails', async () => {
    const statuses: string[] = [];
    const octokit = {
      rest: {
        repos: {
          createDeployment: async () => ({ data: { id: 41 } }),
          createDeploymentStatus: async ({ state }: { state: string }) => {
            statuses.push(state);
            if (state === 'in_progress') throw Object.assign(new Error('Server Error'), { status: 502 });
            return { data: {} };
          },
        },
      },
    };
    const host = new GitHubDeployments(() => ({
      octokit: octokit as never,
      repo: { owner: 'org', repo: 'fraud' },
      web: 'https://github.com/org/fraud',
    }));
    const started = await host.start(request);
    expect(started).toMatchObject({ id: '41', url: 'https://github.com/org/fraud/deployments/production' });
    expect(started.warning).toMatch(/in_progress status could not be set: Server Error/);
    await host.update(started, { state: 'success' });
    expect(statuses).toEqual(['in_progress', 'success']);
  });

  it('GitLab: the created deployment’s id comes back with a warning when setting the environment URL fails', async () => {
    const calls: string[] = [];
    const server = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      req.resume();
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        res.end(JSON.stringify({ id: 7, status: 'running', environment: { id: 3, name: 'production' } }));
      } else if (req.url?.includes('/environments/')) {
        res.statusCode = 403;
        res.end(JSON.stringify({ message: '403 Forbidden' }));
      } else res.end(JSON.stringify({ id: 7, status: 'success' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const host = new GitLabDeployments(() => ({
        apiUrl: `http://127.0.0.1:${port}/api/v4`,
        project: '1',
        projectUrl: 'https://gitlab.example/group/project',
        auth: { 'JOB-TOKEN': 'job-token' },
      }));
      const started = await host.start(request);
      expect(started).toMatchObject({
        id: '7',
        url: 'https://gitlab.example/group/project/-/environments/3',
      });
      expect(started.warning).toMatch(/environment's URL could not be set: .*GitLab answered 403/);
      await host.update(started, { state: 'success' });
      expect(calls).toEqual([
        'POST /api/v4/projects/1/deployments',
        'PUT /api/v4/projects/1/environments/3',
        'PUT /api/v4/projects/1/deployments/7',
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
