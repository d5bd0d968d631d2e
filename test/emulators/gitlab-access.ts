// Project members with their access levels, and pipelines started through the API: the
// pipelines API (an access token with api scope) or the trigger API (a pipeline trigger token
// in the body, no header).
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export interface SeededMember {
  username: string;
  /** 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner. */
  accessLevel: number;
}

export interface StoredPipeline {
  id: number;
  projectId: number;
  ref: string;
  /** `api` (pipelines API) or `trigger` (trigger token). */
  source: 'api' | 'trigger';
  variables: Record<string, string>;
}

/** Operations that authenticate by a token in the body rather than by a header. */
export const BODY_TOKEN_OPERATIONS = new Set(['postApiV4ProjectsIdTriggerPipeline']);

export interface AccessContext {
  members: SeededMember[];
  triggerTokens: Set<string>;
  pipelines: StoredPipeline[];
  /** Branches and tags a pipeline may run on; any ref when undefined. */
  refs?: Set<string>;
  webUrl: string;
  now: () => string;
  projectOf: (request: EmulatorRequest) => { id: number; path: string } | undefined;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
}

const message = (status: number, text: unknown): EmulatorResponse => ({ status, body: { message: text } });

export function accessHandlers(context: AccessContext): Record<string, OperationHandler> {
  let nextPipelineId = 9001;
  const member = (m: SeededMember, index: number) => ({
    id: 100 + index,
    username: m.username,
    name: m.username,
    state: 'active',
    avatar_url: null,
    web_url: `${context.webUrl}/${m.username}`,
    access_level: m.accessLevel,
    created_at: context.now(),
    expires_at: null,
    membership_state: 'active',
  });
  const start = (
    request: EmulatorRequest,
    source: StoredPipeline['source'],
    variables: Record<string, string>,
  ): EmulatorResponse => {
    const project = context.projectOf(request);
    if (!project) return message(404, '404 Project Not Found');
    const ref = String((request.body as { ref: string }).ref);
    if (context.refs && !context.refs.has(ref)) {
      return message(400, { base: [`Reference not found`] });
    }
    const pipeline: StoredPipeline = { id: nextPipelineId++, projectId: project.id, ref, source, variables };
    context.pipelines.push(pipeline);
    const time = context.now();
    return {
      status: 201,
      body: {
        id: pipeline.id,
        iid: context.pipelines.filter((p) => p.projectId === project.id).length,
        project_id: project.id,
        sha: '0'.repeat(40),
        ref,
        status: 'created',
        source: source === 'api' ? 'api' : 'trigger',
        created_at: time,
        updated_at: time,
        web_url: `${context.webUrl}/${project.path}/-/pipelines/${pipeline.id}`,
      },
    };
  };
  return {
    getApiV4ProjectsIdMembersAll: (request) => {
      if (!context.projectOf(request)) return message(404, '404 Project Not Found');
      const query = String(request.query.query ?? '').toLowerCase();
      const found = context.members
        .map(member)
        .filter((m) => !query || m.username.toLowerCase().includes(query));
      return context.list(request, found, (m) => m);
    },
    postApiV4ProjectsIdPipeline: (request) => {
      const sent = request.body as { variables?: { key: string; value: string }[] };
      const variables = Object.fromEntries((sent.variables ?? []).map((v) => [v.key, v.value]));
      return start(request, 'api', variables);
    },
    postApiV4ProjectsIdTriggerPipeline: (request) => {
      const sent = request.body as { token: string; variables?: Record<string, string> };
      if (!context.triggerTokens.has(sent.token)) return message(404, '404 Not Found');
      return start(request, 'trigger', sent.variables ?? {});
    },
  };
}
