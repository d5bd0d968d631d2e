import type { getOctokit } from '@actions/github';
import { McpError } from '../errors';
import type { DeploymentHost, HostDeployment, HostDeploymentRequest, HostDeploymentStatus } from './types';

type Octokit = ReturnType<typeof getOctokit>;

export interface GitHubDeploymentsAccess {
  octokit: Octokit | undefined;
  repo: { owner: string; repo: string } | undefined;
  /** `https://github.com/owner/repo`, for links a person follows. */
  web: string | undefined;
}

// GitHub refuses a longer status description (documented for `repos/create-deployment-status`).
const MAX_DESCRIPTION = 140;

/**
 * GitHub's Deployments API: a deployment of the job's commit to the environment, then its
 * statuses. The job token needs `permissions: deployments: write`.
 */
export class GitHubDeployments implements DeploymentHost {
  constructor(private readonly access: () => GitHubDeploymentsAccess) {}

  async start(request: HostDeploymentRequest): Promise<HostDeployment> {
    const { octokit, repo, web } = this.ready();
    const { data } = await this.call(() =>
      octokit.rest.repos.createDeployment({
        ...repo,
        ref: request.sha,
        environment: request.environment,
        description: clip(request.description),
        payload: request.payload,
        // The model is deployed, not the branch: no merge of the default branch, no wait for checks.
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
      }),
    );
    if (!('id' in data)) throw new McpError(`GitHub did not create the deployment: ${data.message ?? ''}`);
    const deployment: HostDeployment = {
      id: String(data.id),
      url: web ? `${web}/deployments/${encodeURIComponent(request.environment)}` : undefined,
    };
    // The deployment exists now: its id goes back even when the first status fails, so that
    // the rollout's end still marks it success or failure (not in_progress forever).
    try {
      await this.update(deployment, {
        state: 'in_progress',
        description: request.description,
        environmentUrl: request.environmentUrl,
        logUrl: request.logUrl,
      });
    } catch (error) {
      deployment.warning = `the deployment's in_progress status could not be set: ${(error as Error).message.split('\n')[0]}`;
    }
    return deployment;
  }

  async update(deployment: HostDeployment, status: HostDeploymentStatus): Promise<void> {
    const { octokit, repo } = this.ready();
    await this.call(() =>
      octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: Number(deployment.id),
        state: status.state,
        ...(status.description ? { description: clip(status.description) } : {}),
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
      }),
    );
  }

  private ready() {
    const { octokit, repo, web } = this.access();
    if (!octokit) throw new McpError('no token for GitHub deployments: set the token input or GITHUB_TOKEN');
    if (!repo) throw new McpError('GITHUB_REPOSITORY is not set');
    return { octokit, repo, web };
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 403 || status === 404) {
        throw new McpError(
          `GitHub answered ${status}: the token cannot write deployments (the job needs \`permissions: deployments: write\`)`,
        );
      }
      throw error;
    }
  }
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION - 1)}…` : line;
}
