import { McpError } from '../errors';
import type { Platform } from '../platform';
import { requireMaintainer, type StagePermission } from '../registry/permission';
import { checkEnvironment } from './record';

/** A rollback asked for by someone below `maintain`. Exit code 1. */
export class RollbackNotAllowed extends McpError {
  override name = 'RollbackNotAllowed';
}

/** `protected-environments`: names separated by commas, spaces or lines; `*` for all, `none` for none. */
export function parseProtectedEnvironments(text: string, input = 'protected-environments'): string[] | '*' {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || (names.length === 1 && names[0] === '*')) return '*';
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((name) => checkEnvironment(name, input));
}

/**
 * Whether the actor may roll `environment` back: as a protected stage is assigned, only with the
 * `maintain` role or above (GitLab: Maintainer or Owner). Locally (no host to ask) it is allowed.
 * Someone with less routes it through a protected environment whose reviewers approve the job.
 */
export async function checkRollbackPermission(
  platform: Pick<Platform, 'role' | 'context' | 'name'>,
  request: { environment: string; protectedEnvironments: readonly string[] | '*' },
): Promise<StagePermission> {
  const { environment, protectedEnvironments } = request;
  if (protectedEnvironments !== '*' && !protectedEnvironments.includes(environment))
    return { protected: false };
  return requireMaintainer(
    platform,
    {
      refused: `rollback of ${environment} refused`,
      doing: 'rolling back',
      route:
        `route it through a protected environment: run rollback in a job with \`environment: ${environment}\` whose protection rules require reviewers ` +
        '(GitLab: a protected environment with deployment approvals) and set `protected-environments: none` there, so the reviewers’ approval is the check',
    },
    RollbackNotAllowed,
  );
}
