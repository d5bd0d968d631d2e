import { firstLine } from '../action/run';
import type { CommentTarget, Platform } from '../platform';

/**
 * Posts or updates the sticky comment. Whatever goes wrong here (a read-only token, an API
 * outage) is a warning: the verdict, the summary and the report file stand without it.
 */
export async function postComment(
  platform: Platform,
  target: CommentTarget,
  marker: string,
  body: string,
): Promise<void> {
  const where = target.kind === 'change' ? `#${target.number}` : `commit ${target.sha.slice(0, 7)}`;
  try {
    const result = await platform.upsertComment(target, marker, body);
    if (result.status === 'skipped')
      platform.warning(`Report not posted as a comment on ${where}: ${result.reason}`);
    else
      platform.info(`Report ${result.status} as a comment on ${where}${result.url ? `: ${result.url}` : ''}`);
  } catch (error) {
    const status = (error as { status?: number }).status;
    const reason = status
      ? `the API answered ${status}`
      : firstLine((error as Error).message ?? String(error));
    platform.warning(`Report not posted as a comment on ${where}: ${reason}`);
  }
}

/** The comments a judged gate posts: its PR/MR (`auto`), also its commit (`always`), or none. */
export async function postGateComments(
  platform: Platform,
  mode: string,
  marker: string,
  body: string,
): Promise<void> {
  if (mode === 'never') return;
  const { change, sha } = platform.context;
  if (change !== undefined) await postComment(platform, { kind: 'change', number: change }, marker, body);
  if (mode === 'always' && sha) await postComment(platform, { kind: 'commit', sha }, marker, body);
}
