// Deployments and environments for the GitLab emulator: creating a deployment creates its
// environment (by name), statuses move as GitLab allows, and the environment keeps its external URL.
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export interface StoredEnvironment {
  id: number;
  projectId: number;
  name: string;
  externalUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StoredDeployment {
  id: number;
  iid: number;
  projectId: number;
  environmentId: number;
  ref: string;
  sha: string;
  tag: boolean;
  /** Every status it had, in order. */
  statuses: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
}

/** The job token may call every endpoint of the deployments and environments APIs. */
export const DEPLOYMENT_JOB_TOKEN_OPERATIONS = new Set([
  'getApiV4ProjectsIdDeployments',
  'postApiV4ProjectsIdDeployments',
  'putApiV4ProjectsIdDeploymentsDeploymentId',
  'putApiV4ProjectsIdEnvironmentsEnvironmentId',
]);

export interface DeploymentContext {
  environments: StoredEnvironment[];
  deployments: StoredDeployment[];
  now: () => string;
  /** Who a request acts as (the job token's user, the project bot). */
  userOf: (request: EmulatorRequest) => string;
  renderUser: (username: string) => unknown;
  projectOf: (request: EmulatorRequest) => { id: number; path: string } | undefined;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
}

const FINISHED = new Set(['success', 'failed', 'canceled']);

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 24);

export function deploymentHandlers(context: DeploymentContext): Record<string, OperationHandler> {
  let nextId = 30_001;
  const message = (status: number, text: unknown): EmulatorResponse => ({ status, body: { message: text } });
  const withProject =
    (handle: (request: EmulatorRequest, projectId: number) => EmulatorResponse): OperationHandler =>
    (request) => {
      const project = context.projectOf(request);
      return project ? handle(request, project.id) : message(404, '404 Project Not Found');
    };
  const environmentOf = (d: StoredDeployment) =>
    context.environments.find((e) => e.id === d.environmentId) as StoredEnvironment;
  const renderEnvironment = (e: StoredEnvironment) => ({
    id: e.id,
    name: e.name,
    slug: slug(e.name),
    external_url: e.externalUrl,
    state: 'available',
    tier: e.name === 'production' ? 'production' : e.name === 'staging' ? 'staging' : 'other',
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  });
  const render = (d: StoredDeployment) => {
    const environment = environmentOf(d);
    const status = d.statuses.at(-1) as string;
    return {
      id: d.id,
      iid: d.iid,
      ref: d.ref,
      sha: d.sha,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      finished_at: FINISHED.has(status) ? d.updatedAt : null,
      status,
      user: context.renderUser(d.user),
      environment: { id: environment.id, name: environment.name, external_url: environment.externalUrl },
      deployable: null,
    };
  };
  const sent = (request: EmulatorRequest) => request.body as Record<string, unknown>;

  return {
    getApiV4ProjectsIdDeployments: withProject((request, projectId) => {
      const { environment, status } = request.query;
      const found = context.deployments.filter(
        (d) =>
          d.projectId === projectId &&
          (!environment || environmentOf(d).name === environment) &&
          (!status || d.statuses.at(-1) === status),
      );
      if (request.query.sort === 'desc') found.reverse();
      return context.list(request, found, render);
    }),
    postApiV4ProjectsIdDeployments: withProject((request, projectId) => {
      const body = sent(request);
      const name = String(body.environment);
      let environment = context.environments.find((e) => e.projectId === projectId && e.name === name);
      if (!environment) {
        environment = {
          id: nextId++,
          projectId,
          name,
          externalUrl: null,
          createdAt: context.now(),
          updatedAt: context.now(),
        };
        context.environments.push(environment);
      }
      const deployment: StoredDeployment = {
        id: nextId++,
        iid: context.deployments.filter((d) => d.projectId === projectId).length + 1,
        projectId,
        environmentId: environment.id,
        ref: String(body.ref),
        sha: String(body.sha),
        tag: body.tag === true,
        statuses: [String(body.status)],
        user: context.userOf(request),
        createdAt: context.now(),
        updatedAt: context.now(),
      };
      context.deployments.push(deployment);
      return { status: 201, body: render(deployment) };
    }),
    putApiV4ProjectsIdDeploymentsDeploymentId: withProject((request, projectId) => {
      const deployment = context.deployments.find(
        (d) => d.id === Number(request.params.deployment_id) && d.projectId === projectId,
      );
      if (!deployment) return message(404, '404 Not found');
      const status = String(sent(request).status);
      const current = deployment.statuses.at(-1) as string;
      // GitLab's state machine: a finished deployment does not start again, nor finish twice.
      if (FINISHED.has(current) || status === current) {
        return message(400, `Cannot transition status via :${status} from :${current}`);
      }
      deployment.statuses.push(status);
      deployment.updatedAt = context.now();
      return { status: 200, body: render(deployment) };
    }),
    putApiV4ProjectsIdEnvironmentsEnvironmentId: withProject((request, projectId) => {
      const environment = context.environments.find(
        (e) => e.id === Number(request.params.environment_id) && e.projectId === projectId,
      );
      if (!environment) return message(404, '404 Not found');
      const url = sent(request).external_url;
      if (typeof url === 'string') environment.externalUrl = url;
      environment.updatedAt = context.now();
      return { status: 200, body: renderEnvironment(environment) };
    }),
  };
}
