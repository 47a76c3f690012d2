#!/usr/bin/env node
/**
 * Times detection alone, two builds against each other: the blobs of a repository's history that
 * pass the keyword gate (and are not in an ignored path, as the history scan skips those) are read
 * once into memory with the pack reader, then scanned by `scanContent` of each build, as the
 * history scan does, in alternating rounds in one process. Prints the CPU time of each round
 * (`process.cpuUsage`; the first round of each build runs with a cold JIT), and the medians.
 *
 *   npm run build && node scripts/bench-detect.mjs <old dist> dist <repo> [rounds] [--all]
 *
 * `--all` keeps the blobs in ignored paths too (lockfiles).
 */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [oldDist, newDist, repo, rounds = '7'] = args;
if (!oldDist || !newDist || !repo) {
  console.error('usage: bench-detect <old dist> <new dist> <repo> [rounds] [--all]');
  process.exit(2);
}
const all = process.argv.includes('--all');
const load = async (dist, path) => import(pathToFileURL(resolve(dist, path)).href);
const builds = {};
for (const [name, dist] of [
  ['old', oldDist],
  ['new', newDist],
])
  builds[name] = {
    ...(await load(dist, 'engine/content/scan-content.js')),
    ...(await load(dist, 'engine/content/sniff.js')),
  };
const { openPacksIn } = await load(newDist, 'git/pack/pack-store.js');
const { createKeywordScanner } = await load(newDist, 'git/history/keyword-scanner.js');
const { PREFILTER_KEYWORDS, DEFAULT_CONFIG, isPathIgnored } = await load(newDist, 'core/index.js');
const gate = createKeywordScanner(PREFILTER_KEYWORDS);

const listing = spawnSync(
  'git',
  ['rev-list', '--objects', '--all', '--filter=object:type=blob', '--missing=allow-any'],
  { cwd: repo, maxBuffer: 1 << 30, encoding: 'utf8' },
);
const store = openPacksIn(resolve(repo, 'objects'), { cacheBytes: 64 << 20 });
const blobs = [];
let bytes = 0;
for (const line of listing.stdout.split('\n')) {
  if (line.length < 40) continue;
  const path = line.slice(41);
  if (!all && isPathIgnored(path, DEFAULT_CONFIG)) continue;
  const view = store?.read(line.slice(0, 40), 1 << 24);
  if (!view || !gate(view)) continue;
  const data = Buffer.from(view);
  bytes += data.length;
  blobs.push({ path, data, sniffed: builds.new.sniffEncoding(data.subarray(0, 4096)) });
}
store?.close();
console.log(`${repo}: ${blobs.length} gated blobs, ${(bytes / 1e6).toFixed(1)} MB`);

const pass = () => true;
const times = { old: [], new: [] };
for (let r = 0; r < Number(rounds); r++)
  for (const name of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
    const build = builds[name];
    const t0 = process.cpuUsage();
    for (const b of blobs)
      build.scanContent(b.data, { path: b.path, gate: pass, runGate: gate }, b.sniffed);
    const t = process.cpuUsage(t0);
    times[name].push((t.user + t.system) / 1000);
  }
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const name of ['old', 'new'])
  console.log(
    `${name}: ${times[name].map((t) => t.toFixed(0)).join(' ')} ms; median ${median(times[name]).toFixed(0)}`,
  );
console.log(`new/old (medians): ${(median(times.new) / median(times.old)).toFixed(3)}`);
