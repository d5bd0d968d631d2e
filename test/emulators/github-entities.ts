// GitHub's JSON objects as the emulator answers them: every field the description marks
// required, with values shaped like github.com's own (URL templates, node ids, the Actions bot).
// The emulator validates its answers against the schemas, so a missing field shows up as a violation.

export const WEB = 'https://github.com';

export interface Repo {
  owner: string;
  name: string;
}

export interface StoredIssueComment {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredCommitComment {
  id: number;
  repo: string;
  sha: string;
  body: string;
  path: string | null;
  line: number | null;
  position: number | null;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface SeededPull {
  headSha: string;
  /** Branch the PR merges into; default `main`. */
  baseRef?: string;
  baseSha?: string;
  /** Branch of the head; default `feature`. */
  headRef?: string;
  /** `owner/name` of the head repository; a different one than the base makes it a fork PR. */
  headRepo?: string;
  title?: string;
  user?: string;
}

/** The user every GITHUB_TOKEN acts as; id and node id are github.com's. */
export const ACTIONS_BOT = 'github-actions[bot]';

export const nodeId = (prefix: string, id: number) =>
  `${prefix}_${Buffer.from(`emulator:${id}`).toString('base64url')}`;

/** Stable fake id per name, so the same login or repository always gets the same id. */
function idOf(name: string): number {
  let hash = 7;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 2_000_000_000;
  return hash + 1000;
}

export function simpleUser(api: string, login: string) {
  const bot = login.endsWith('[bot]');
  const id = login === ACTIONS_BOT ? 41898282 : idOf(login);
  const url = `${api}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: login === ACTIONS_BOT ? 'MDM6Qm90NDE4OTgyODI=' : nodeId(bot ? 'BOT' : 'U', id),
    avatar_url: bot
      ? 'https://avatars.githubusercontent.com/in/15368?v=4'
      : `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: bot ? `${WEB}/apps/${login.replace(/\[bot\]$/, '')}` : `${WEB}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: bot ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

export function repository(
  api: string,
  fullName: string,
  options: { fork?: boolean; canPush?: boolean } = {},
) {
  const [owner = '', name = ''] = fullName.split('/');
  const url = `${api}/repos/${fullName}`;
  const created = '2024-01-15T09:00:00Z';
  return {
    id: idOf(fullName),
    node_id: nodeId('R', idOf(fullName)),
    name,
    full_name: fullName,
    private: false,
    owner: simpleUser(api, owner),
    html_url: `${WEB}/${fullName}`,
    description: null,
    fork: options.fork ?? false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    clone_url: `${WEB}/${fullName}.git`,
    svn_url: `${WEB}/${fullName}`,
    homepage: null,
    size: 1024,
    stargazers_count: 0,
    watchers_count: 0,
    language: 'Python',
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: 'main',
    network_count: 0,
    subscribers_count: 0,
    permissions: {
      admin: false,
      maintain: false,
      push: options.canPush ?? true,
      triage: options.canPush ?? true,
      pull: true,
    },
  };
}

export function issueComment(api: string, comment: StoredIssueComment, isPull: boolean) {
  const url = `${api}/repos/${comment.repo}`;
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${url}/issues/comments/${comment.id}`,
    html_url: `${WEB}/${comment.repo}/${isPull ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(api, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${url}/issues/${comment.issueNumber}`,
    author_association: 'NONE',
    performed_via_github_app: null,
  };
}

export function commitComment(api: string, comment: StoredCommitComment) {
  return {
    url: `${api}/repos/${comment.repo}/comments/${comment.id}`,
    html_url: `${WEB}/${comment.repo}/commit/${comment.sha}#commitcomment-${comment.id}`,
    id: comment.id,
    node_id: nodeId('CC', comment.id),
    user: simpleUser(api, comment.user),
    position: comment.position,
    line: comment.line,
    path: comment.path,
    commit_id: comment.sha,
    body: comment.body,
    author_association: 'NONE',
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
  };
}

export function pullRequest(api: string, baseRepo: string, number: number, pull: SeededPull) {
  const url = `${api}/repos/${baseRepo}/pulls/${number}`;
  const issueUrl = `${api}/repos/${baseRepo}/issues/${number}`;
  const headRepo = pull.headRepo ?? baseRepo;
  const author = pull.user ?? headRepo.split('/')[0] ?? 'octocat';
  const headRef = pull.headRef ?? 'feature';
  const baseRef = pull.baseRef ?? 'main';
  const created = '2024-02-01T10:00:00Z';
  const end = (repo: string, ref: string, sha: string, fork: boolean) => ({
    label: `${repo.split('/')[0]}:${ref}`,
    ref,
    sha,
    user: simpleUser(api, repo.split('/')[0] ?? ''),
    repo: repository(api, repo, { fork }),
  });
  const link = (href: string) => ({ href });
  return {
    url,
    id: idOf(`${baseRepo}#${number}`),
    node_id: nodeId('PR', idOf(`${baseRepo}#${number}`)),
    html_url: `${WEB}/${baseRepo}/pull/${number}`,
    diff_url: `${WEB}/${baseRepo}/pull/${number}.diff`,
    patch_url: `${WEB}/${baseRepo}/pull/${number}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/repos/${baseRepo}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/repos/${baseRepo}/statuses/${pull.headSha}`,
    number,
    state: 'open',
    locked: false,
    title: pull.title ?? 'Improve the model',
    user: simpleUser(api, author),
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: created,
    updated_at: created,
    closed_at: null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: end(headRepo, headRef, pull.headSha, headRepo !== baseRepo),
    base: end(baseRepo, baseRef, pull.baseSha ?? '0'.repeat(40), false),
    _links: {
      self: link(url),
      html: link(`${WEB}/${baseRepo}/pull/${number}`),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/repos/${baseRepo}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${api}/repos/${baseRepo}/statuses/${pull.headSha}`),
    },
    author_association: headRepo === baseRepo ? 'MEMBER' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: false,
    merged: false,
    mergeable: true,
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: headRepo !== baseRepo,
    commits: 1,
    additions: 10,
    deletions: 2,
    changed_files: 1,
  };
}
