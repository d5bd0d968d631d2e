// Who may do what in a repository, and starting workflows: `repos/get-collaborator-permission-level`
// answers from seeded collaborators; `actions/create-workflow-dispatch` records each dispatch.
import { simpleUser, WEB } from './github-entities';
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export type SeededRole = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** A workflow file of the repository and whether it can be started by `workflow_dispatch`. */
export interface SeededWorkflow {
  /** File name under .github/workflows, e.g. `deploy.yml`. */
  file: string;
  dispatchable?: boolean;
  /** Inputs the workflow declares; a dispatch naming another input is refused, as GitHub does. */
  inputs?: string[];
}

export interface Dispatch {
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
}

export interface AccessContext {
  collaborators: Map<string, SeededRole>;
  workflows: SeededWorkflow[];
  dispatches: Dispatch[];
  newId: () => number;
  error: (status: number, message: string, request?: EmulatorRequest) => EmulatorResponse;
}

// The legacy `permission` field folds maintain into write and triage into read.
const LEGACY: Record<SeededRole, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

export function accessHandlers(context: AccessContext): Record<string, OperationHandler> {
  const repoOf = (request: EmulatorRequest) => `${request.params.owner}/${request.params.repo}`;
  return {
    'repos/get-collaborator-permission-level': (request) => {
      const login = request.params.username ?? '';
      const role = context.collaborators.get(login);
      if (!role) return context.error(404, `${login} is not a user`, request);
      const level = {
        pull: true,
        triage: role !== 'read',
        push: LEGACY[role] !== 'read',
        maintain: role === 'maintain' || role === 'admin',
        admin: role === 'admin',
      };
      return {
        status: 200,
        body: {
          permission: LEGACY[role],
          role_name: role,
          user: {
            ...simpleUser(request.baseUrl, login),
            email: null,
            name: null,
            permissions: level,
            role_name: role,
          },
        },
      };
    },
    'actions/create-workflow-dispatch': (request) => {
      const id = request.params.workflow_id ?? '';
      const workflow = context.workflows.find((w) => w.file === id);
      if (!workflow) return context.error(404, 'Not Found', request);
      if (workflow.dispatchable === false) {
        return context.error(422, "Workflow does not have 'workflow_dispatch' trigger", request);
      }
      const sent = request.body as {
        ref: string;
        inputs?: Record<string, unknown>;
        return_run_details?: boolean;
      };
      const inputs = sent.inputs ?? {};
      const unexpected = Object.keys(inputs).filter(
        (key) => workflow.inputs && !workflow.inputs.includes(key),
      );
      if (unexpected.length) {
        return context.error(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, request);
      }
      context.dispatches.push({ repo: repoOf(request), workflow: id, ref: sent.ref, inputs });
      if (!sent.return_run_details) return { status: 204 };
      const runId = context.newId();
      return {
        status: 200,
        body: {
          workflow_run_id: runId,
          run_url: `${request.baseUrl}/repos/${repoOf(request)}/actions/runs/${runId}`,
          html_url: `${WEB}/${repoOf(request)}/actions/runs/${runId}`,
        },
      };
    },
  };
}
