/**
 * Which `.github/upstash-guard.yml` decides a scan. A pull request must not be able to switch off
 * its own scan: its head could add `ignorePaths: ['**']`, an `allow:` entry for the token it adds,
 * `failOn: critical` or `comments: false` and get a green check. So a pull_request scan (and a
 * Re-run of one) takes every setting from the PR's **base** commit (falling back to the
 * organisation's `.github` repository as before), never from its head; when the head changes the
 * file the report says so in one line. A push keeps the pushed commit's file: whoever pushes a
 * branch has write access to it, and could as well change the config on the default branch.
 * History and installation scans read the default branch head, as they always did.
 */
import type { Logger } from 'pino';
import { mergeBase } from '../engine/scan-range.js';
import { readFileAt } from '../git/read-file-at.js';
import { CONFIG_PATH, loadRepoConfig, type LoadedConfig } from '../github/load-config.js';
import type { ConfigFileCache } from '../github/org-config-cache.js';
import type { GitHubClient } from '../github/types.js';
import type { ScanJob } from './scan-job.js';

const SHA = /^[0-9a-f]{40}$/;

export const PR_CONFIG_NOTE = `This pull request changes ${CONFIG_PATH}; its settings take effect once merged. This scan used the base branch's settings.`;

export interface ScanConfig {
  loaded: LoadedConfig;
  /** One line for the check run and the PR comment (the head changes the config file). */
  note?: string;
}

export async function loadScanConfig(
  job: ScanJob,
  gh: GitHubClient,
  repoDir: string,
  log: Logger,
  cache?: ConfigFileCache,
): Promise<ScanConfig> {
  const repo = { owner: job.owner, repo: job.repo };
  const at = (sha: string): Promise<LoadedConfig> =>
    loadRepoConfig(gh, repo, sha, {
      readRepoFile: () => readFileAt(repoDir, sha, CONFIG_PATH),
      ...(cache ? { cache } : {}),
    });
  if (job.kind !== 'pull_request') return { loaded: await at(job.headSha) };

  const baseSha = job.baseSha && SHA.test(job.baseSha) ? job.baseSha : await prBaseSha(gh, job);
  // No base known (GitHub did not say, the lookup failed): the default branch's file, never the
  // head's. loadRepoConfig reads the repository's file through the API at the default branch.
  const loaded = baseSha
    ? await at(baseSha)
    : await loadRepoConfig(gh, repo, '', cache ? { cache } : {});
  if (!baseSha) log.warn('pull request base unknown: the default branch config is used');

  const change = await headChangesConfig(repoDir, job.headSha, baseSha).catch(() => false);
  if (!change) return { loaded };
  // The head's file is only looked at to say whether it parses: it never decides this scan.
  let note = PR_CONFIG_NOTE;
  const atHead = await at(job.headSha).catch(() => undefined);
  if (atHead?.error)
    note += ` The changed file is not valid and will not be once merged as is: ${atHead.error.message.split('\n')[0]}`;
  log.info('the pull request changes the config file; the base settings are used');
  return { loaded, note };
}

/** The open PR's base SHA from the API (a Re-run without one in its payload). */
async function prBaseSha(gh: GitHubClient, job: ScanJob): Promise<string | undefined> {
  if (!job.pr) return undefined;
  try {
    const res = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner: job.owner,
      repo: job.repo,
      pull_number: job.pr,
    });
    const sha = res.data.base?.sha;
    return typeof sha === 'string' && SHA.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the PR's head has a different config file than where it branched off (the merge base
 * with the base), so a base that changed the file since is not blamed on the PR.
 */
async function headChangesConfig(
  repoDir: string,
  headSha: string,
  baseSha: string | undefined,
): Promise<boolean> {
  const from = baseSha ? ((await mergeBase(repoDir, baseSha, headSha)) ?? baseSha) : undefined;
  const head = await readFileAt(repoDir, headSha, CONFIG_PATH);
  if (!from) return head !== undefined;
  return head !== (await readFileAt(repoDir, from, CONFIG_PATH));
}
