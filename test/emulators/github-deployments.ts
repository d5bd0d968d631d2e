// Deployments and their statuses for the GitHub emulator. As documented, a `success` status (with
// auto_inactive, the default) marks the earlier successful deployments of a non-production,
// non-transient environment inactive.
import { ACTIONS_BOT, nodeId, simpleUser } from './github-entities';
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export interface StoredDeploymentStatus {
  id: number;
  state: string;
  description: string;
  environmentUrl: string;
  logUrl: string;
  createdAt: string;
}

export interface StoredDeployment {
  id: number;
  repo: string;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string | null;
  payload: Record<string, unknown> | string;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  statuses: StoredDeploymentStatus[];
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentContext {
  deployments: StoredDeployment[];
  newId: () => number;
  now: () => string;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
  error: (status: number, message: string, request?: EmulatorRequest) => EmulatorResponse;
}

// Documented for the status description; GitHub answers 422 past it.
const MAX_STATUS_DESCRIPTION = 140;

export function deploymentHandlers(context: DeploymentContext): Record<string, OperationHandler> {
  const repoOf = (request: EmulatorRequest) => `${request.params.owner}/${request.params.repo}`;
  const deploymentUrl = (api: string, d: StoredDeployment) => `${api}/repos/${d.repo}/deployments/${d.id}`;
  const render = (api: string, d: StoredDeployment) => ({
    url: deploymentUrl(api, d),
    id: d.id,
    node_id: nodeId('DE', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: simpleUser(api, ACTIONS_BOT),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${deploymentUrl(api, d)}/statuses`,
    repository_url: `${api}/repos/${d.repo}`,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
  });
  const renderStatus = (api: string, d: StoredDeployment, s: StoredDeploymentStatus) => ({
    url: `${deploymentUrl(api, d)}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DES', s.id),
    state: s.state,
    creator: simpleUser(api, ACTIONS_BOT),
    description: s.description,
    environment: d.environment,
    target_url: s.logUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: deploymentUrl(api, d),
    repository_url: `${api}/repos/${d.repo}`,
    // Optional, and a URL when present: a status without one leaves it out.
    ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
    ...(s.logUrl ? { log_url: s.logUrl } : {}),
  });

  return {
    'repos/create-deployment': (request) => {
      const body = request.body as Record<string, unknown>;
      const ref = String(body.ref);
      // The emulator knows no git objects: a full commit id stands for itself, as GitHub resolves it.
      if (!/^[0-9a-f]{40}$/.test(ref)) return context.error(422, `No ref found for: ${ref}`, request);
      const environment = typeof body.environment === 'string' ? body.environment : 'production';
      const deployment: StoredDeployment = {
        id: context.newId(),
        repo: repoOf(request),
        ref,
        sha: ref,
        task: typeof body.task === 'string' ? body.task : 'deploy',
        environment,
        description: typeof body.description === 'string' ? body.description : '',
        payload: (body.payload as Record<string, unknown> | string | undefined) ?? {},
        productionEnvironment:
          typeof body.production_environment === 'boolean'
            ? body.production_environment
            : environment === 'production',
        transientEnvironment: body.transient_environment === true,
        statuses: [],
        createdAt: context.now(),
        updatedAt: context.now(),
      };
      context.deployments.push(deployment);
      return { status: 201, body: render(request.baseUrl, deployment) };
    },
    'repos/list-deployments': (request) => {
      const { sha, ref, task, environment } = request.query;
      const found = context.deployments
        .filter(
          (d) =>
            d.repo === repoOf(request) &&
            (!sha || d.sha === sha) &&
            (!ref || d.ref === ref) &&
            (!task || d.task === task) &&
            (!environment || d.environment === environment),
        )
        // Newest first, as GitHub lists them.
        .reverse();
      return context.list(request, found, (d) => render(request.baseUrl, d));
    },
    'repos/create-deployment-status': (request) => {
      const id = Number(request.params.deployment_id);
      const deployment = context.deployments.find((d) => d.id === id && d.repo === repoOf(request));
      if (!deployment) return context.error(404, 'Not Found', request);
      const body = request.body as Record<string, unknown>;
      const description = typeof body.description === 'string' ? body.description : '';
      if (description.length > MAX_STATUS_DESCRIPTION) {
        request.violation(`status description has ${description.length} characters; at most 140`);
        return context.error(
          422,
          'Validation Failed: description is too long (maximum is 140 characters)',
          request,
        );
      }
      const log =
        typeof body.log_url === 'string'
          ? body.log_url
          : typeof body.target_url === 'string'
            ? body.target_url
            : '';
      const status: StoredDeploymentStatus = {
        id: context.newId(),
        state: String(body.state),
        description,
        environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : '',
        logUrl: log,
        createdAt: context.now(),
      };
      // Documented for auto_inactive: prior deployments of non-transient, non-production environments only.
      const auto =
        body.auto_inactive !== false && !deployment.productionEnvironment && !deployment.transientEnvironment;
      if (status.state === 'success' && auto) {
        for (const earlier of context.deployments) {
          if (
            earlier !== deployment &&
            earlier.repo === deployment.repo &&
            earlier.environment === deployment.environment &&
            earlier.statuses.at(-1)?.state === 'success'
          ) {
            earlier.statuses.push({ ...status, id: context.newId(), state: 'inactive', description: '' });
          }
        }
      }
      deployment.statuses.push(status);
      deployment.updatedAt = context.now();
      const rendered = renderStatus(request.baseUrl, deployment, status);
      return { status: 201, body: rendered, headers: { location: rendered.url } };
    },
  };
}
