/**
 * npm run bench -- <repo> [--runs N] [--skip-log-p]
 *
 * Measures, in one run on the same repository: git's own floor F1 (`git cat-file --batch-all-objects
 * --batch`, sorted and --unordered), the `git log -p --all` pipeline that gitleaks and TruffleHog are
 * bound by, and upstash-guard's history scan (in a child process, so its peak RSS is its own).
 * Prints medians and ratios. These machines are noisy: compare ratios, not absolute times.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    'skip-log-p': { type: 'boolean', default: false },
  },
});
const repo = positionals[0];
if (!repo) {
  console.error('usage: npm run bench -- <repo> [--runs N] [--skip-log-p]');
  process.exit(2);
}
const runs = Number(values.runs);

function time(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e9)
        : reject(new Error(`${cmd} exited ${code}`)),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const child = join(dirname(fileURLToPath(import.meta.url)), 'history-child.js');
const f1: number[] = [];
const f1u: number[] = [];
const logp: number[] = [];
const ours: number[] = [];
let last: Record<string, number> = {};
for (let i = 0; i < runs; i++) {
  f1.push(await time('git', ['cat-file', '--batch-all-objects', '--batch']));
  f1u.push(await time('git', ['cat-file', '--batch-all-objects', '--batch', '--unordered']));
  const out = spawnSync(process.execPath, [child, repo], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`history scan failed: ${out.stderr}`);
  last = JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, number>;
  ours.push(last.seconds!);
  if (!values['skip-log-p'] && i === 0)
    logp.push(await time('git', ['log', '-p', '--all', '--no-color']));
  process.stderr.write(`run ${i + 1}/${runs} done\n`);
}
const git = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
const F1 = median(f1);
const rows: [string, number][] = [
  ['F1: git cat-file --batch-all-objects --batch > /dev/null', F1],
  ['F1 --unordered', median(f1u)],
  ...(logp.length
    ? ([['git log -p --all > /dev/null (gitleaks/TruffleHog floor, 1 run)', median(logp)]] as [
        string,
        number,
      ][])
    : []),
  ['upstash-guard scan --history', median(ours)],
];
console.log(`repository: ${repo}`);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; ${git}; runs: ${runs} (medians)`,
);
console.log(
  `history scan: ${last.commits} commits, ${last.blobs} blobs, ${(last.bytes! / 1e9).toFixed(2)} GB scanned, ${last.findings} findings, peak RSS ${last.maxRssMb!.toFixed(0)} MB`,
);
console.log('');
console.log('| what | seconds | ratio to F1 |');
console.log('| --- | ---: | ---: |');
for (const [name, s] of rows)
  console.log(`| ${name} | ${s.toFixed(2)} | ${(s / F1).toFixed(2)}x |`);
if (logp.length)
  console.log(
    `\nupstash-guard is ${(median(logp) / median(ours)).toFixed(1)}x faster than the git log -p pipeline.`,
  );
