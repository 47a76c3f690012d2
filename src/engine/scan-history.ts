/**
 * Full-history scan, blob-once design (design-notes §4): list every reachable blob once, stream
 * contents through one `git cat-file`, prefilter raw bytes, scan the few that pass, then attribute
 * only the hit blobs to the commits that wrote them.
 */
import {
  isPathIgnored,
  mayContainSecret,
  scanText,
  type Finding,
  type Hit,
  type ScanResult,
} from '../core/index.js';
import { attributeBlobs, type BlobWrite } from '../git/history/attribute.js';
import { streamBlobs } from '../git/history/cat-file-stream.js';
import { listReachableBlobs } from '../git/history/list-blobs.js';
import { runGit } from '../git/run-git.js';
import { emptyStats, finishScan, isBinary } from './finish-scan.js';
import type { EngineOptions } from './types.js';

export interface HistoryOptions extends EngineOptions {
  /** The tip `presentAtHead` refers to. Default: HEAD (the default branch of a clone). */
  headRef?: string;
}

export async function scanHistory(repoDir: string, opts: HistoryOptions): Promise<ScanResult> {
  const started = Date.now();
  const stats = { ...emptyStats(), blobsScanned: 0, commitsScanned: 0 };
  const warnings: string[] = [];
  const { config, signal } = opts;

  // 1. Enumerate reachable blobs (each once, with a path).
  opts.onProgress?.({ phase: 'enumerate', done: 0 });
  const { blobs, commits, missing: absent } = await listReachableBlobs(repoDir, signal);
  if (absent > 0)
    warnings.push(
      `${absent} reachable objects are missing from the repository (partial clone?); they were not scanned`,
    );
  stats.commitsScanned = commits;
  const wanted: string[] = [];
  for (const [oid, path] of blobs) {
    if (isPathIgnored(path, config)) stats.skippedIgnored++;
    else wanted.push(oid);
  }

  // 2–3. Stream contents once; prefilter raw bytes; scan what passes.
  const hitsByBlob = new Map<string, Hit[]>();
  let done = 0;
  const { missing } = await streamBlobs(
    repoDir,
    wanted,
    config.maxFileSize,
    (oid, data) => {
      done++;
      if (opts.onProgress && done % 2000 === 0)
        opts.onProgress({ phase: 'scan', done, total: wanted.length, bytes: stats.bytesScanned });
      if (data === null) return void stats.skippedTooLarge++;
      if (isBinary(data)) return void stats.skippedBinary++;
      stats.blobsScanned++;
      stats.filesScanned++;
      stats.bytesScanned += data.length;
      if (!mayContainSecret(data)) return;
      const hits = scanText({ path: blobs.get(oid)!, text: data.toString('utf8') });
      if (hits.length > 0) hitsByBlob.set(oid, hits);
    },
    signal,
  );
  if (missing > 0)
    warnings.push(`${missing} objects could not be read (shallow or partial clone?)`);

  // 4. Attribute hit blobs to the commits that wrote them.
  opts.onProgress?.({ phase: 'attribute', done: 0, total: hitsByBlob.size });
  const writes = await attributeBlobs(repoDir, new Set(hitsByBlob.keys()), signal);
  const hits: Hit[] = [];
  for (const [oid, blobHits] of hitsByBlob) {
    const ws = writes.get(oid) ?? [];
    if (ws.length === 0) {
      hits.push(...blobHits); // reachable but never written by a listed commit (should not happen)
      continue;
    }
    for (const w of ws) {
      for (const h of blobHits) {
        hits.push({
          ...h,
          occurrence: {
            ...h.occurrence,
            path: w.path,
            commit: w.commit,
            author: w.author,
            date: w.date,
          },
        });
      }
    }
  }
  const result = finishScan('history', hits, stats, warnings, opts, started);

  // 5. History facts per finding: introducing commit, still at HEAD, branches, commit count.
  await addHistoryFacts(
    repoDir,
    result.findings,
    hitsByBlob,
    writes,
    opts.headRef ?? 'HEAD',
    warnings,
  );
  opts.onProgress?.({
    phase: 'done',
    done: wanted.length,
    total: wanted.length,
    bytes: stats.bytesScanned,
  });
  result.stats.durationMs = Date.now() - started;
  return result;
}

async function addHistoryFacts(
  repoDir: string,
  findings: Finding[],
  hitsByBlob: Map<string, Hit[]>,
  writes: Map<string, BlobWrite[]>,
  headRef: string,
  warnings: string[],
): Promise<void> {
  if (findings.length === 0) return;
  const headBlobs = await blobsAt(repoDir, headRef).catch(() => {
    warnings.push(`could not read ${headRef}; presentAtHead is unknown`);
    return new Set<string>();
  });
  // Each (commit, path) write is exactly one blob: a finding's blobs follow from its occurrences.
  const blobAt = new Map<string, string>();
  for (const oid of hitsByBlob.keys())
    for (const w of writes.get(oid) ?? []) blobAt.set(`${w.commit}\u0000${w.path}`, oid);
  for (const f of findings) {
    const oids = new Set<string>();
    for (const o of f.occurrences) {
      const oid = blobAt.get(`${o.commit}\u0000${o.path}`);
      if (oid) oids.add(oid);
    }
    const all: BlobWrite[] = [];
    for (const oid of oids) all.push(...(writes.get(oid) ?? []));
    // An introduction: the file's previous version (in every parent) did not hold this credential.
    const intro = all.filter((w) => w.previous.every((p) => !oids.has(p)));
    const first = (intro.length ? intro : all).sort((a, b) => b.order - a.order)[0];
    if (first)
      f.introducedBy = {
        commit: first.commit,
        path: first.path,
        author: first.author,
        date: first.date,
      };
    f.presentAtHead = [...oids].some((o) => headBlobs.has(o));
    f.commitCount = new Set(all.map((w) => w.commit)).size;
    if (first) f.branches = await refsContaining(repoDir, first.commit);
  }
}

async function blobsAt(repoDir: string, ref: string): Promise<Set<string>> {
  const { stdout } = await runGit(['ls-tree', '-r', '-z', '--full-tree', ref], { cwd: repoDir });
  const set = new Set<string>();
  for (const entry of stdout.toString('utf8').split('\0')) {
    const parts = entry.split(/\s+/);
    if (parts[1] === 'blob' && parts[2]) set.add(parts[2]);
  }
  return set;
}

async function refsContaining(repoDir: string, commit: string): Promise<string[]> {
  const { stdout } = await runGit(
    [
      'for-each-ref',
      `--contains=${commit}`,
      '--format=%(refname:short)',
      'refs/heads',
      'refs/tags',
      'refs/remotes',
    ],
    { cwd: repoDir },
  );
  return stdout.toString('utf8').split('\n').filter(Boolean).sort();
}
