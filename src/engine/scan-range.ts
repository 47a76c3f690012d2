/**
 * Range scan (pull requests, pushes, --range): every commit of `rev-list include ^exclude`, added
 * lines only, each attributed to its commit, the message of each of those commits, and the message
 * of each annotated tag among `include`. No cap on the number of commits.
 */
import { shownValue, type ScanResult } from '../core/index.js';
import { splitExistingCommits } from '../git/existing-commits.js';
import { assertRevision } from '../git/revision.js';
import { runGit } from '../git/run-git.js';
import { finishScan, newAccumulator } from './finish-scan.js';
import { collectDiffHits, DIFF_ARGS } from './scan-diff.js';
import { collectMessageHits, collectTagMessageHits } from './scan-messages.js';
import type { CommitRange, EngineOptions } from './types.js';

export async function scanRange(
  repoDir: string,
  range: CommitRange,
  opts: EngineOptions,
): Promise<ScanResult> {
  if (range.include.length === 0) throw new Error('a range needs at least one commit to include');
  const include = range.include.map(assertRevision);
  const { present: exclude, missing } = await splitExistingCommits(
    repoDir,
    range.exclude.map(assertRevision),
  );
  const started = Date.now();
  const acc = newAccumulator();
  acc.stats.commitsScanned = 0;
  const revs = [...include, ...(exclude.length ? ['--not', ...exclude] : [])];
  // The messages of the same commits, read beside the diff (one short rev-list, no diffs).
  const messages = newAccumulator();
  await Promise.all([
    collectDiffHits(
      repoDir,
      ['log', ...DIFF_ARGS, '--cc', '--format=%x01%H%x1f%an%x1f%aI', ...revs, '--'],
      opts,
      acc,
    ),
    collectMessageHits(repoDir, revs, opts, messages),
    // A pushed annotated tag (or `--range v1..v2`): its message is pushed with it.
    collectTagMessageHits(repoDir, include, opts, messages),
  ]);
  const result = finishScan(
    'range',
    [...acc.hits, ...messages.hits],
    acc.stats,
    acc.warnings,
    opts,
    started,
    acc.skipped,
  );
  // Scanning more than asked is safe; failing the job over a vanished base is not.
  for (const rev of missing)
    result.warnings.push(
      `excluded revision ${shownValue(rev, 40)} is not in the repository; its commits were scanned too`,
    );
  return result;
}

/** Parses `BASE..HEAD` (or `BASE...HEAD`: merge base) into a CommitRange. */
export function parseRangeSpec(spec: string): CommitRange {
  const m = /^(.+?)\.\.\.?(.+)$/.exec(spec);
  if (!m) return { include: [assertRevision(spec)], exclude: [] };
  return { include: [assertRevision(m[2]!)], exclude: [assertRevision(m[1]!)] };
}

/** Branch heads other than `exceptRef`: a new branch or force push scans only commits not on them. */
export async function otherHeads(
  repoDir: string,
  exceptRef: string | ((ref: string) => boolean),
): Promise<string[]> {
  const own =
    typeof exceptRef === 'function'
      ? exceptRef
      : (ref: string): boolean => ref === exceptRef || ref === `refs/heads/${exceptRef}`;
  const { stdout } = await runGit(
    ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads'],
    { cwd: repoDir },
  );
  return stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string])
    .filter(([ref]) => !own(ref))
    .map(([, sha]) => sha);
}

export async function mergeBase(
  repoDir: string,
  a: string,
  b: string,
): Promise<string | undefined> {
  const r = await runGit(['merge-base', assertRevision(a), assertRevision(b)], {
    cwd: repoDir,
    okCodes: [0, 1],
  });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}
