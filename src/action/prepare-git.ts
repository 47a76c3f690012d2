/**
 * Makes sure the commits a plan needs are in the checkout. actions/checkout fetches one commit
 * (depth 1) by default: a shallow clone is deepened from `origin` (whose auth header checkout
 * persisted in the local config), and commits still missing are fetched by id. When that is not
 * possible the message says what to change (`fetch-depth: 0`).
 */
import type { CommitRange } from '../engine/types.js';
import { runGit } from '../git/run-git.js';
import type { ScanPlan } from './event-plan.js';

export class ActionError extends Error {
  override name = 'ActionError';
}

const FIX = 'use actions/checkout with "fetch-depth: 0" (and make sure "origin" is reachable)';

async function out(dir: string, args: string[]): Promise<string | undefined> {
  const r = await runGit(args, { cwd: dir, okCodes: [0, 1, 128], timeoutMs: 60_000 });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

const hasCommit = async (dir: string, sha: string): Promise<boolean> =>
  (await out(dir, ['cat-file', '-e', `${sha}^{commit}`])) !== undefined;

async function fetch(dir: string, args: string[]): Promise<boolean> {
  // http(s) only (network: true); origin and its auth header are what actions/checkout configured.
  const r = await runGit(['fetch', '--no-tags', '--quiet', ...args], {
    cwd: dir,
    okCodes: [0, 1, 128],
    network: true,
  });
  return r.code === 0;
}

/** A shallow checkout gets its full history (all branches, so other branches can be excluded). */
export async function unshallow(dir: string, log: (line: string) => void): Promise<void> {
  if ((await out(dir, ['rev-parse', '--is-shallow-repository'])) !== 'true') return;
  log('upstash-guard: shallow checkout, fetching the history from origin');
  if (!(await fetch(dir, ['--unshallow', 'origin'])))
    throw new ActionError(
      `this checkout is shallow and "git fetch --unshallow origin" failed: ${FIX}`,
    );
}

async function ensure(dir: string, shas: string[]): Promise<void> {
  const missing: string[] = [];
  for (const sha of shas) if (!(await hasCommit(dir, sha))) missing.push(sha);
  if (missing.length) await fetch(dir, ['origin', ...missing]);
}

const isOwn = (ref: string, branch: string | undefined): boolean =>
  branch !== undefined &&
  (ref === `refs/heads/${branch}` || /^refs\/remotes\/[^/]+\/(.+)$/.exec(ref)?.[1] === branch);

/** Tips of every branch but `branch`, local and origin's: commits on them are not new. */
async function otherBranchTips(dir: string, branch: string | undefined): Promise<string[]> {
  const list = await out(dir, [
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/heads',
    'refs/remotes',
  ]);
  return (list ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string])
    .filter(([ref]) => !ref.endsWith('/HEAD') && !isOwn(ref, branch))
    .map(([, sha]) => sha);
}

export async function prepareRange(
  dir: string,
  plan: Extract<ScanPlan, { kind: 'range' }>,
  log: (line: string) => void,
): Promise<CommitRange> {
  await unshallow(dir, log);
  await ensure(dir, [plan.head, ...(plan.base ? [plan.base] : [])]);
  if (!(await hasCommit(dir, plan.head)))
    throw new ActionError(
      `commit ${plan.head} (the head to scan) is not in this checkout and origin did not serve it: ${FIX}`,
    );
  if (plan.base && (await hasCommit(dir, plan.base)))
    return { include: [plan.head], exclude: [plan.base] };
  // A pull request or merge group needs its base; a push whose `before` is gone (force push)
  // falls back to what a new branch scans.
  if (plan.base && plan.branch === undefined)
    throw new ActionError(
      `base commit ${plan.base} is not in this checkout and origin did not serve it: ${FIX}`,
    );
  if (plan.base)
    log(
      `upstash-guard: ${plan.base.slice(0, 7)} (before the push) is gone; scanning the commits on no other branch`,
    );
  return { include: [plan.head], exclude: await otherBranchTips(dir, plan.branch) };
}
