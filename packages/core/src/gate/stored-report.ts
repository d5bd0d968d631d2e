import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { InputError } from '../errors';
import { commentMarker } from '../markdown';
import { fileNameFor, type Platform, writeFileAtomic } from '../platform';
import { postComment } from './publish';
import { renderReport } from './report';
import { parseReportData, type ReportData } from './report-data';

const PREFIX = 'validate-metrics-';

export function gateMarker(title: string): string {
  return commentMarker('validate-metrics', title);
}

/** Writes the report as markdown (for people) and JSON (for a later trusted job); returns the markdown path. */
export async function writeReport(workspace: string, data: ReportData, runUrl?: string): Promise<string> {
  const base = join(workspace, '.mcp', 'reports', `${PREFIX}${fileNameFor(data.title)}`);
  await writeFileAtomic(`${base}.json`, `${JSON.stringify(data)}\n`);
  const markdown = renderReport(data, {
    marker: gateMarker(data.title),
    limit: Number.POSITIVE_INFINITY,
    runUrl,
  });
  await writeFileAtomic(`${base}.md`, markdown);
  return `${base}.md`;
}

/**
 * Posts reports that a `pull_request` run stored (fork PRs: from a trusted `workflow_run` job).
 * `report` is one report (.json, or its .md twin) or a directory of them. The data is validated
 * and rendered again here, so nothing the fork's code wrote reaches the comment unescaped.
 */
export async function postStoredReports(platform: Platform, report: string): Promise<void> {
  const workspace = platform.context.workspace;
  const path = resolve(workspace, report);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`report: no such file or directory "${report}"`, 'report');
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((f) => f.startsWith(PREFIX) && f.endsWith('.json'))
        .map((f) => join(path, f))
    : [path.endsWith('.md') ? join(dirname(path), `${basename(path, '.md')}.json`) : path];
  if (!files.length) throw new InputError(`report: "${report}" holds no ${PREFIX}*.json report`, 'report');
  const reports: [string, ReportData][] = [];
  for (const file of files.sort()) {
    const text = await readFile(file, 'utf8').catch(() => {
      throw new InputError(`report: cannot read "${relative(workspace, file)}"`, 'report');
    });
    const data = parseReportData(text);
    if (typeof data === 'string')
      throw new InputError(`report: "${relative(workspace, file)}" ${data}`, 'report');
    reports.push([file, data]);
  }
  for (const [, data] of reports) {
    const number = await targetChange(platform, data.change);
    if (number === undefined) continue;
    const body = renderReport(data, {
      marker: gateMarker(data.title),
      limit: platform.limits.comment,
      runUrl: platform.context.runUrl,
      reportedBy: 'as reported by the pull request’s run',
    });
    await postComment(platform, { kind: 'change', number }, gateMarker(data.title), body);
  }
}

/**
 * The PR to post on. In a `workflow_run` job the number in the artifact is only a claim made by
 * the PR's own (possibly hostile) code, so it must match the run's head commit. Elsewhere only
 * the change this job runs for is accepted.
 */
async function targetChange(platform: Platform, claimed: number | undefined): Promise<number | undefined> {
  const { workflowRun, change } = platform.context;
  if (!workflowRun) {
    if (change !== undefined && (claimed === undefined || claimed === change)) return change;
    platform.warning(
      claimed === undefined
        ? 'Report not posted: it names no pull request and this job runs for none'
        : `Report not posted: it names #${claimed}, but this job runs for ${change === undefined ? 'no pull request' : `#${change}`}`,
    );
    return undefined;
  }
  if (claimed === undefined) {
    platform.warning('Report not posted: it names no pull request');
    return undefined;
  }
  if (workflowRun.pullRequests.includes(claimed)) return claimed;
  const pull = await platform.getChange(claimed).catch(() => undefined);
  if (pull && pull.headSha === workflowRun.headSha) return claimed;
  platform.warning(
    `Report not posted: it names pull request #${claimed}, whose head is not the commit this run was for`,
  );
  return undefined;
}
