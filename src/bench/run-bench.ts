/**
 * npm run bench -- <repo> [--runs N] [--log-p-runs N] [--ignore <glob>]...
 *
 * Measures, in one run on the same repository (a work tree or a bare git dir): git's own floor F1
 * (`git cat-file --batch-all-objects --batch`, and its --unordered variant), the `git log -p --all`
 * pipeline that gitleaks and TruffleHog are bound by, and upstash-guard's history scan, which runs
 * in a child process (whole process wall time, node startup included) so that its peak RSS is its
 * own. Rounds interleave the commands so machine noise hits all of them alike. Prints medians and
 * ratios as a Markdown table, ready for docs/benchmarks.md. `--ignore <glob>` (repeatable) adds
 * paths to the scan's `ignorePaths`, to measure what a part of a corpus costs; git's rows are
 * unchanged.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, median } from './measure.js';
import { missingBlobPaths } from './missing-paths.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    'log-p-runs': { type: 'string' },
    ignore: { type: 'string', multiple: true, default: [] },
  },
});
const repoArg = positionals[0];
const runs = Number(values.runs);
const logPRuns = Number(values['log-p-runs'] ?? values.runs);
if (!repoArg || !(runs >= 1) || !(logPRuns >= 0)) {
  console.error(
    'usage: npm run bench -- <repo> [--runs N (default 3)] [--log-p-runs N (0 skips)] [--ignore <glob>]...',
  );
  process.exit(2);
}
const repo = resolve(repoArg);
const ignore = values.ignore ?? [];
const child = join(dirname(fileURLToPath(import.meta.url)), 'history-child.js');

const F1_ARGS = ['cat-file', '--batch-all-objects', '--batch'];
const LOG_P_ARGS = ['log', '-p', '--all', '--no-color', '--no-ext-diff', '--no-textconv'];
const excluded = logPRuns > 0 ? await missingBlobPaths(repo) : [];
const LOG_P_PATHSPEC = excluded.length
  ? ['--', '.', ...excluded.map((p) => `:(exclude,literal)${p}`)]
  : [];
const times = {
  f1: [] as number[],
  f1u: [] as number[],
  logp: [] as number[],
  ours: [] as number[],
};
const rss = { f1: [] as number[], ours: [] as number[] };
let last: Record<string, number> = {};
for (let i = 0; i < runs; i++) {
  const f1 = await measure('git', F1_ARGS, repo);
  times.f1.push(f1.seconds);
  if (f1.peakRssMb) rss.f1.push(f1.peakRssMb);
  times.f1u.push((await measure('git', [...F1_ARGS, '--unordered'], repo)).seconds);
  const ours = await measure(process.execPath, [child, repo, ...ignore], repo, true);
  times.ours.push(ours.seconds);
  if (ours.peakRssMb) rss.ours.push(ours.peakRssMb);
  last = JSON.parse(ours.stdout.trim().split('\n').pop()!) as Record<string, number>;
  if (i < logPRuns)
    times.logp.push((await measure('git', [...LOG_P_ARGS, ...LOG_P_PATHSPEC], repo)).seconds);
  process.stderr.write(`round ${i + 1}/${runs} done\n`);
}

const version = (cmd: string, arg: string): string =>
  spawnSync(cmd, [arg], { encoding: 'utf8' }).stdout.trim();
const F1 = median(times.f1);
const LOGP = times.logp.length ? median(times.logp) : undefined;
const rows: [string, number[]][] = [
  [`F1: \`git ${F1_ARGS.join(' ')} > /dev/null\``, times.f1],
  [`F1 unordered: \`git ${F1_ARGS.join(' ')} --unordered > /dev/null\``, times.f1u],
  ...(LOGP !== undefined
    ? ([
        [`\`git ${LOG_P_ARGS.join(' ')} > /dev/null\` (gitleaks/TruffleHog floor)`, times.logp],
      ] as [string, number[]][])
    : []),
  [
    `**upstash-guard history scan** (\`scanHistory\`, whole process${ignore.length ? `, ignoring ${ignore.join(', ')}` : ''})`,
    times.ours,
  ],
];
const gb = (b: number): string => (b / 1e9).toFixed(2);
const ignoreArgs = ignore.map((g) => ` --ignore '${g}'`).join('');
console.log(
  `command: npm run bench -- ${repoArg} --runs ${runs} --log-p-runs ${logPRuns}${ignoreArgs}`,
);
console.log(`repository: ${repo}`);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; ${version('git', '--version')}`,
);
console.log(
  `scan: ${last.commits} commits, ${last.blobs} blobs scanned (${gb(last.bytes!)} GB), skipped ${last.skippedBinary} binary, ${last.skippedTooLarge} oversize, ${last.skippedIgnored} ignored; ${last.findings} findings; ${last.warnings} warnings`,
);
console.log(
  `peak RSS: scan ${rss.ours.length ? median(rss.ours).toFixed(0) : '?'} MB (largest process of the tree; node itself ${last.nodeMaxRssMb!.toFixed(0)} MB), F1 ${rss.f1.length ? median(rss.f1).toFixed(0) : '?'} MB`,
);
if (excluded.length)
  console.log(
    `git log -p: ${excluded.length} paths excluded by pathspec because the snapshot lacks some of their blobs (${excluded.join(', ')})`,
  );
console.log('');
console.log('| what | runs | median s | ratio to F1 | vs git log -p |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, xs] of rows) {
  const s = median(xs);
  const vsLog = LOGP !== undefined ? `${(LOGP / s).toFixed(1)}x faster` : 'n/a';
  console.log(`| ${name} | ${xs.length} | ${s.toFixed(2)} | ${(s / F1).toFixed(2)}x | ${vsLog} |`);
}
