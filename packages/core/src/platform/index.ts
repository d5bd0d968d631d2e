import { GitHubPlatform } from './github';
import { GitLabPlatform } from './gitlab';
import { LocalPlatform } from './local';
import type { Platform, PlatformOptions } from './types';

export { fileNameFor, writeFileAtomic } from './files';
export type {
  ArtifactHandOff,
  ChangeInfo,
  CommentResult,
  CommentTarget,
  DispatchRequest,
  DispatchResult,
  HostedStore,
  Platform,
  PlatformContext,
  PlatformLimits,
  PlatformName,
  PlatformOptions,
  RepositoryRole,
} from './types';
export { ROLE_ORDER } from './types';
export { GitHubPlatform, GitLabPlatform, LocalPlatform };

/** The platform this process runs on: GitHub Actions, GitLab CI, or the local default. */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const forced = options.env.MCP_PLATFORM;
  if (forced === 'github' || (!forced && options.env.GITHUB_ACTIONS === 'true'))
    return new GitHubPlatform(options);
  if (forced === 'gitlab' || (!forced && options.env.GITLAB_CI === 'true'))
    return new GitLabPlatform(options);
  return LocalPlatform.create(options);
}
