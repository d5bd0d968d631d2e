import { McpError } from '../errors';
import type {
  DeploymentHost,
  HostDeployment,
  HostDeploymentRequest,
  HostDeploymentState,
  HostDeploymentStatus,
} from './types';

export interface GitLabDeploymentsAccess {
  /** `…/api/v4`. */
  apiUrl: string;
  /** CI_PROJECT_ID or the project's path. */
  project: string | undefined;
  /** The instance URL of the project (`https://gitlab.com/group/project`), for links. */
  projectUrl: string | undefined;
  /** `JOB-TOKEN` (the job token may use the deployments and environments APIs) or `PRIVATE-TOKEN`. */
  auth: Record<string, string> | undefined;
}

interface GitLabDeploymentAnswer {
  id: number;
  status: string;
  environment?: { id: number; name: string; external_url?: string | null };
}

// GitLab's deployment statuses: no `in_progress` after `running`, and `canceled` for one superseded.
const STATUS: Record<Exclude<HostDeploymentState, 'in_progress'>, string> = {
  success: 'success',
  failure: 'failed',
  inactive: 'canceled',
};

/**
 * GitLab's deployments API: creating a deployment creates its environment; the environment
 * carries the service's URL (`external_url`). Deployments have no description: the job's log
 * and mcp-meta hold the why.
 */
export class GitLabDeployments implements DeploymentHost {
  constructor(private readonly access: () => GitLabDeploymentsAccess) {}

  async start(request: HostDeploymentRequest): Promise<HostDeployment> {
    const created = await this.api<GitLabDeploymentAnswer>('POST', '/deployments', {
      environment: request.environment,
      sha: request.sha,
      ref: request.ref || request.sha,
      tag: false,
      status: 'running',
    });
    const environment = created.environment;
    const { projectUrl } = this.access();
    const deployment: HostDeployment = {
      id: String(created.id),
      url: projectUrl && environment ? `${projectUrl}/-/environments/${environment.id}` : undefined,
    };
    // The deployment exists now: its id goes back even when the URL cannot be set, so that the
    // rollout's end still marks it success or failure (not running forever).
    if (request.environmentUrl && environment && environment.external_url !== request.environmentUrl) {
      try {
        await this.api('PUT', `/environments/${environment.id}`, { external_url: request.environmentUrl });
      } catch (error) {
        deployment.warning = `the environment's URL could not be set: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    return deployment;
  }

  async update(deployment: HostDeployment, status: HostDeploymentStatus): Promise<void> {
    // Created running; GitLab has no other in-progress state to move to.
    if (status.state === 'in_progress') return;
    await this.api('PUT', `/deployments/${encodeURIComponent(deployment.id)}`, {
      status: STATUS[status.state],
    });
  }

  private async api<T>(method: string, path: string, body: unknown): Promise<T> {
    const { apiUrl, project, auth } = this.access();
    if (!project) throw new McpError('GitLab deployments need CI_PROJECT_ID (or CI_PROJECT_PATH)');
    if (!auth) {
      throw new McpError(
        'GitLab deployments need a token: CI_JOB_TOKEN in a job, or the token input or MCP_GITLAB_TOKEN',
      );
    }
    const url = `${apiUrl}/projects/${encodeURIComponent(project)}${path}`;
    let response: Response | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      response = await fetch(url, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      // 429 and 5xx are transient on gitlab.com; anything else is the answer.
      if (response.status !== 429 && response.status < 500) break;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    const answer = response as Response;
    const text = await answer.text();
    if (!answer.ok) {
      let said = '';
      try {
        const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
        said = JSON.stringify(parsed.message ?? parsed.error ?? '');
      } catch {
        // An HTML error page from a proxy: the status says enough.
      }
      const hint = answer.status === 403 ? ' (the token needs at least the Developer role)' : '';
      throw new McpError(
        `${method} ${path}: GitLab answered ${answer.status}${said ? ` ${said}` : ''}${hint}`,
      );
    }
    return JSON.parse(text) as T;
  }
}
