/**
 * Full-history scan, blob-once design (design-notes §4): walk every reachable blob once while one
 * `git cat-file --batch` streams their contents, gate raw bytes with a keyword scan and the core
 * prefilter, scan the few that pass, then attribute only the hit blobs to the commits that wrote
 * them.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  isCredentialFile,
  isPathIgnored,
  maskNamesInResult,
  PREFILTER_KEYWORDS,
  type Hit,
  type ScanResult,
} from '../core/index.js';
import { attributeBlobs, listCommits } from '../git/history/attribute.js';
import { partsAreBinary, partsLength, partsMatch } from '../git/history/blob-parts.js';
import { addHistoryFacts } from '../git/history/history-facts.js';
import { createKeywordScanner, type KeywordScanner } from '../git/history/keyword-scanner.js';
import { listReachableBlobs, type BlobListing } from '../git/history/list-blobs.js';
import { tagMessages } from '../git/messages.js';
import { streamPackedBlobs } from '../git/pack/pack-stream.js';
import { runGit } from '../git/run-git.js';
import { scanContent, WindowedScanner } from './content/scan-content.js';
import { headOf, sniffEncoding, utf16Bom, type Sniffed } from './content/sniff.js';
import { countEncoding, emptyStats, finishScan } from './finish-scan.js';
import { messageGate, scanMessage } from './scan-messages.js';
import { SkipLog } from './skipped.js';
import type { EngineOptions } from './types.js';

export interface HistoryOptions extends EngineOptions {
  /** The tip `presentAtHead` refers to. Default: HEAD (the default branch of a clone). */
  headRef?: string;
}

let scanner: KeywordScanner | undefined;
/** The gate for content the keyword scanner already passed. */
const passed = (): boolean => true;
const longestKeyword = Math.max(0, ...PREFILTER_KEYWORDS.map((k) => k.length));

export async function scanHistory(repoDir: string, opts: HistoryOptions): Promise<ScanResult> {
  const started = Date.now();
  const stats = { ...emptyStats(), blobsScanned: 0, commitsScanned: 0 };
  const warnings: string[] = [];
  const skipped = new SkipLog();
  const { config, signal } = opts;
  if (signal?.aborted) throw new Error('history scan cancelled');
  scanner ??= createKeywordScanner(PREFILTER_KEYWORDS);
  const keywordScan = scanner;

  // Commits are listed alongside (the blob walk does not list them), at the lowest priority: a
  // second commit walk competing for the CPU would slow the blob stream it runs beside. The list
  // gives the commit count, and the order and graph attribution needs if something hits.
  // The same walk prints every commit message; the few the prefilter passes are scanned below.
  const commitList = listCommits(repoDir, signal, messageGate).catch(() => undefined);
  // Annotated tags: their messages are read here, and their objects (which the blob walk lists
  // under the tag's name) are left out of the blob stream.
  const tags = tagMessages(repoDir, messageGate, signal).catch(() => undefined);

  // 1–3. Walk reachable blobs and stream their contents at the same time; gate raw bytes first.
  const paths = new Map<string, string>();
  const listing: BlobListing = { missing: 0 };
  let listed = 0;
  let listingDone = false;
  // The scan's total counts the blobs requested (ignored paths are not) and is final once the
  // listing ends: only then can progress show a percentage.
  const report = opts.onProgress;
  if (report)
    opts = {
      ...opts,
      onProgress: (p) =>
        report(
          p.phase === 'scan'
            ? { ...p, total: (p.total ?? 0) - stats.skippedIgnored, totalFinal: listingDone }
            : p,
        ),
    };
  // A history holds each path in many versions: the glob match is made once per path.
  const ignoredPaths = new Map<string, boolean>();
  const ignored = (path: string): boolean => {
    let v = ignoredPaths.get(path);
    if (v === undefined) ignoredPaths.set(path, (v = isPathIgnored(path, config)));
    return v;
  };
  // Blobs at a path read whatever they hold (the Upstash CLI's login file: an email and a UUID,
  // no keyword): the readers' keyword gate lets them through. Rare, so a set of their oids.
  const byPath = new Map<string, boolean>();
  const ungated = new Set<string>();
  async function* wanted(): AsyncGenerator<string[]> {
    opts.onProgress?.({ phase: 'enumerate', done: 0 });
    // Awaited once the walk has output (the tag listing is done by then): no delay to its start.
    let tagObjects: Set<string> | undefined | null = null;
    for await (const blobs of listReachableBlobs(repoDir, listing, signal)) {
      if (tagObjects === null) tagObjects = (await tags)?.tagObjects;
      const batch: string[] = [];
      for (const { oid, path } of blobs) {
        if (tagObjects?.has(oid)) continue;
        listed++;
        if (ignored(path)) {
          stats.skippedIgnored++;
          continue;
        }
        paths.set(oid, path);
        let credentialFile = byPath.get(path);
        if (credentialFile === undefined)
          byPath.set(path, (credentialFile = isCredentialFile(path)));
        if (credentialFile) ungated.add(oid);
        batch.push(oid);
      }
      yield batch;
    }
    listingDone = true;
  }
  const hitsByBlob = new Map<string, Hit[]>();
  let done = 0;
  const next = (oid: string): string => {
    done++;
    // Only the blobs between the walk and the reader stay in memory, not the whole repository's.
    const path = paths.get(oid) ?? '';
    paths.delete(oid);
    if (opts.onProgress && done % 2000 === 0)
      opts.onProgress({ phase: 'scan', done, total: listed, bytes: stats.bytesScanned });
    return path;
  };
  const found = (oid: string, hits: Hit[]): void => {
    if (hits.length > 0) hitsByBlob.set(oid, hits);
  };
  const visit = (oid: string, parts: Buffer[] | null, size: number): void => {
    const path = next(oid);
    if (parts === null) {
      stats.skippedTooLarge++;
      return skipped.tooLarge(path, size, config.hardMaxFileSize);
    }
    stats.blobsScanned++;
    stats.filesScanned++;
    stats.bytesScanned += partsLength(parts);
    // Text blobs (nearly all) pay only the NUL test and a two-byte BOM test here. A NUL means
    // UTF-16 or binary; a UTF-16 BOM, UTF-16 whose first 8000 bytes may hold no NUL (CJK text).
    let sniffed: Sniffed | undefined;
    if (partsAreBinary(parts) || utf16Bom(parts[0])) {
      sniffed = sniffEncoding(headOf(parts));
      countEncoding(stats, sniffed.encoding);
      // The byte gate cannot see keywords in UTF-16: it is decoded and gated as text.
      if (sniffed.encoding !== 'binary')
        return found(oid, scanContent(Buffer.concat(parts), { path }, sniffed));
    }
    // Exactly "contains a prefilter keyword" (tested against mayContainSecret): no second pass.
    // Binary content is gated too: its printable runs can only hold keywords its bytes hold.
    if (!ungated.has(oid) && !partsMatch(parts, keywordScan, longestKeyword)) return;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    found(oid, scanContent(data, { path, gate: passed, runGate: keywordScan }, sniffed));
  };
  // Blobs over maxFileSize (up to hardMaxFileSize): overlapping windows as the bytes arrive.
  const large = {
    cap: config.hardMaxFileSize,
    open(oid: string, size: number) {
      const windows = new WindowedScanner(
        { path: next(oid), gate: keywordScan },
        config.maxFileSize,
      );
      stats.blobsScanned++;
      stats.filesScanned++;
      stats.bytesScanned += size;
      return {
        push: (c: Buffer) => windows.push(c),
        end: () => {
          found(oid, windows.end());
          if (windows.encoding) countEncoding(stats, windows.encoding);
        },
      };
    },
  };
  // Blobs are inflated in-process from the pack files (worker threads that also apply the keyword
  // gate, so only blobs that may hold a keyword cross to this thread); git cat-file reads the rest.
  const gated = (oid: string, size: number): void => {
    next(oid);
    stats.blobsScanned++;
    stats.filesScanned++;
    stats.bytesScanned += size;
  };
  const { missing, packs } = await streamPackedBlobs(repoDir, wanted(), config.maxFileSize, visit, {
    ...(signal ? { signal } : {}),
    large,
    gate: { keywords: PREFILTER_KEYWORDS, gated, ungated: (oid) => ungated.has(oid) },
    // The versions of one file are deltas of each other: one reader thread reads them all.
    affinity: (oid) => pathHash(paths.get(oid) ?? ''),
  });
  if (packs && packs.malformed > 0)
    warnings.push(
      `${packs.malformed} objects in the pack files could not be read in-process (${packs.errors[0] ?? 'malformed'}); git read them instead`,
    );
  paths.clear();
  ignoredPaths.clear();
  byPath.clear();
  ungated.clear();
  const commits = await commitList;
  stats.commitsScanned = commits?.count ?? 0;
  const tagList = await tags;
  if (!commits) warnings.push('could not list the commits; commit messages were not scanned');
  if (!tagList) warnings.push('could not list the tags; annotated tag messages were not scanned');
  const messageHits: Hit[] = [];
  for (const m of commits?.messages ?? []) messageHits.push(...scanMessage(m, 'commit-message'));
  for (const m of tagList?.messages ?? []) messageHits.push(...scanMessage(m, 'tag-message'));
  const unreadable = listing.missing + missing;
  if (unreadable > 0) {
    const detail = `${unreadable} reachable objects are missing or unreadable (shallow or partial clone?); they were not scanned`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail }, unreadable);
  }
  // A shallow clone (CI checkouts are, by default) holds no commit past its boundary: those were
  // never read, and a history that looks clean here may not be.
  const shallow = await shallowBoundary(repoDir);
  if (shallow > 0) {
    const detail = `shallow clone: the history before ${shallow} boundary commit${shallow === 1 ? '' : 's'} was not fetched, so it was not scanned (git fetch --unshallow)`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail });
  }

  // 4. Attribute hit blobs to the commits and paths that wrote them (ignored paths excluded).
  opts.onProgress?.({ phase: 'attribute', done: 0, total: hitsByBlob.size });
  const attribution = await attributeBlobs(repoDir, new Set(hitsByBlob.keys()), {
    ...(signal ? { signal } : {}),
    ...(commits ? { commits } : {}),
    // Message findings need the commit graph (refs reaching them) even with no hit blob.
    graph: messageHits.length > 0,
  });
  if (attribution.error)
    warnings.push(
      `history attribution stopped early (${attribution.error}); some findings lack their commit`,
    );
  for (const [oid, ws] of attribution.writes)
    attribution.writes.set(
      oid,
      ws.filter((w) => !isPathIgnored(w.path, config)),
    );
  const hits: Hit[] = [...messageHits];
  for (const [oid, blobHits] of hitsByBlob) {
    const writes = attribution.writes.get(oid);
    // Never drop a secret: a blob the log walk did not attribute (it stopped early) is reported at
    // the path it was found at, without a commit. Writes all at ignored paths are dropped.
    if (!writes) hits.push(...blobHits);
    for (const w of writes ?? [])
      for (const h of blobHits)
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
  const result = finishScan('history', hits, stats, warnings, opts, started, skipped);

  // 5. History facts per finding: introducing commit, still at HEAD, branches, commit count.
  await addHistoryFacts(
    repoDir,
    result.findings,
    hitsByBlob,
    attribution,
    opts.headRef ?? 'HEAD',
    warnings,
  );
  maskNamesInResult(result, hits); // the refs and warnings added just now
  opts.onProgress?.({ phase: 'done', done, total: listed, bytes: stats.bytesScanned });
  result.stats.durationMs = Date.now() - started;
  return result;
}

/** A cheap string hash (FNV-1a) of a path. */
function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** How many commits mark the boundary of a shallow clone; 0 for a complete one. */
async function shallowBoundary(repoDir: string): Promise<number> {
  const r = await runGit(['rev-parse', '--is-shallow-repository', '--git-path', 'shallow'], {
    cwd: repoDir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
  });
  const [isShallow, file] = r.stdout.toString('utf8').split('\n');
  if (r.code !== 0 || isShallow !== 'true' || !file) return 0;
  const text = await readFile(resolve(repoDir, file), 'utf8').catch(() => '');
  return Math.max(1, text.split('\n').filter(Boolean).length);
}
