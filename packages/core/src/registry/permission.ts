import { McpError } from '../errors';
import type { Platform, RepositoryRole } from '../platform';
import { ROLE_ORDER } from '../platform/types';
import { checkStageName } from './grammar';

/** Stages only maintainers may assign unless told otherwise. */
export const DEFAULT_PROTECTED_STAGES = 'production';

/** The least role that may assign a protected stage (GitLab: Maintainer). */
export const PROTECTED_STAGE_ROLE: RepositoryRole = 'maintain';

/** An assignment to a protected stage asked for by someone below `maintain`. Exit code 1. */
export class StageNotAllowed extends McpError {
  override name = 'StageNotAllowed';
}

/** `protected-stages`: stage names separated by commas, spaces or lines; `none` for none. */
export function parseProtectedStages(text: string, input = 'protected-stages'): string[] {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((name) => checkStageName(name, input));
}

export interface StagePermissionRequest {
  stage: string;
  protectedStages: readonly string[];
  /** What is being promoted, for the message: `churn@v1.2.0`. */
  subject: string;
  /** Who asks; default the platform's actor (GITHUB_ACTOR, GITLAB_USER_LOGIN). */
  actor?: string;
}

export interface StagePermission {
  protected: boolean;
  actor?: string;
  /** The actor's role, when the host was asked; undefined locally (your own clone). */
  role?: RepositoryRole;
}

/** Something only maintainers may do, described for the refusal. */
export interface ProtectedAction {
  /** What is refused, first in the message: `stage production is protected`. */
  refused: string;
  /** What needs the role, after it: `assigning churn@v1.2.0 to it`. */
  doing: string;
  /** How someone with less can still get it done. */
  route: string;
  /** Who asks; default the platform's actor (GITHUB_ACTOR, GITLAB_USER_LOGIN). */
  actor?: string;
}

/**
 * The one check behind every protected action (a protected stage, a rollback): the actor needs
 * the `maintain` role or above (GitLab: Maintainer or Owner), asked of the host. Without a host to
 * ask (a local run, your own clone) it is allowed. A refusal is `NotAllowed` (exit code 1).
 */
export async function requireMaintainer(
  platform: Pick<Platform, 'role' | 'context' | 'name'>,
  action: ProtectedAction,
  NotAllowed: new (message: string) => McpError,
): Promise<StagePermission> {
  const actor = action.actor ?? platform.context.actor;
  if (!actor) {
    if (platform.name === 'local') return { protected: true };
    throw new NotAllowed(
      `${action.refused}: the CI system does not say who asked (no actor); ${action.route}`,
    );
  }
  let role: RepositoryRole | undefined;
  try {
    role = await platform.role(actor);
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    throw new NotAllowed(`${action.refused}: ${error.message}`);
  }
  if (role === undefined) return { protected: true, actor };
  if (ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(PROTECTED_STAGE_ROLE)) {
    return { protected: true, actor, role };
  }
  const repository = platform.context.repository ?? 'this repository';
  throw new NotAllowed(
    `${action.refused}: ${actor} has the ${role} role on ${repository}, and ${action.doing} needs maintain or admin (GitLab: Maintainer); ${action.route}`,
  );
}

/**
 * Whether the actor may assign `stage`: any stage that is not protected, and a protected one
 * (default `production`) only as `requireMaintainer` allows. Used by register-model's `stage`,
 * `mcp promote` and deploy-canary's promotion, so all say no alike.
 */
export async function checkStagePermission(
  platform: Pick<Platform, 'role' | 'context' | 'name'>,
  request: StagePermissionRequest,
): Promise<StagePermission> {
  if (!request.protectedStages.includes(request.stage)) return { protected: false };
  return requireMaintainer(
    platform,
    {
      refused: `stage ${request.stage} is protected`,
      doing: `assigning ${request.subject} to it`,
      route: routeHint(request),
      actor: request.actor,
    },
    StageNotAllowed,
  );
}

function routeHint(request: StagePermissionRequest): string {
  return (
    `route it through a protected environment: promote in a job with \`environment: ${request.stage}\` whose protection rules require reviewers ` +
    `(GitLab: a protected environment with deployment approvals) and set \`protected-stages: none\` there, so the reviewers' approval is the check; ` +
    `or have a maintainer run \`mcp promote ${request.subject} --stage ${request.stage}\``
  );
}
