/**
 * Full-history scan, blob-once design (design-notes §4): walk every reachable blob once while one
 * `git cat-file --batch` streams their contents, gate raw bytes with a keyword scan and the core
 * prefilter, scan the few that pass, then attribute only the hit blobs to the commits that wrote
 * them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  isCredentialFile,
  isPathIgnored,
  maskNamesInResult,
  PATH_CONTENT,
  PATH_CONTENT_BYTES,
  PREFILTER_KEYWORDS,
  type Hit,
  type ScanResult,
} from '../core/index.js';
import { attributeBlobs, listCommits, type BlobWrite } from '../git/history/attribute.js';
import { partsLength } from '../git/history/blob-parts.js';
import { addHistoryFacts } from '../git/history/history-facts.js';
import type { KeywordScanner } from '../git/history/keyword-scanner.js';
import { HistoryRefs } from '../git/history/history-refs.js';
import { countMissing, listReachableBlobs, type BlobListing } from '../git/history/list-blobs.js';
import { tagMessages, tagObjectMessages } from '../git/messages.js';
import { CatFileError, streamBlobs } from '../git/history/cat-file-stream.js';
import { streamEveryBlob, streamPackedBlobs } from '../git/pack/pack-stream.js';
import { runGit } from '../git/run-git.js';
import { WindowedScanner } from './content/scan-content.js';
import { countEncoding, emptyStats, finishScan } from './finish-scan.js';
import { needsPath, prefilterScanner, scanBlobBytes, type ReaderScan } from './scan-blob.js';
import { messageGate, scanMessage } from './scan-messages.js';
import { SkipLog } from './skipped.js';
import type { EngineOptions } from './types.js';

export interface HistoryOptions extends EngineOptions {
  /** The tip `presentAtHead` refers to. Default: HEAD (the default branch of a clone). */
  headRef?: string;
}

/**
 * The module pack reader threads load to scan what they read (scan-blob.ts): detection runs on
 * every reader instead of on this thread alone.
 */
const SCAN_IN_READER = new URL('./scan-blob.js', import.meta.url).href;

/** Damaged objects a scan reads around (each costs one more read of the history) before failing. */
const MAX_DAMAGED = 16;

/**
 * The history scan. git cat-file exits on a damaged object (a corrupt zlib stream in a loose
 * object or a pack entry), where a missing one is only answered `missing`: that lost every finding
 * of the history. The scan now reads the history again without each object git names, up to
 * MAX_DAMAGED of them, and says which it could not read; anything else still fails the scan.
 */
export async function scanHistory(repoDir: string, opts: HistoryOptions): Promise<ScanResult> {
  const damaged = new Set<string>();
  // One view of where the walks start, for every attempt: the first walk that fails (a bad ref, a
  // commit whose parent is gone) reads the refs and cuts the history for all.
  const refs = new HistoryRefs(repoDir, opts.signal);
  try {
    for (;;) {
      try {
        return await scanHistoryOnce(repoDir, opts, damaged, refs);
      } catch (err) {
        const oid = err instanceof CatFileError ? err.oid : undefined;
        if (!oid || damaged.has(oid) || damaged.size >= MAX_DAMAGED || opts.signal?.aborted)
          throw err;
        damaged.add(oid);
      }
    }
  } finally {
    await refs.dispose();
  }
}

async function scanHistoryOnce(
  repoDir: string,
  opts: HistoryOptions,
  damaged: ReadonlySet<string>,
  refs: HistoryRefs,
): Promise<ScanResult> {
  const started = Date.now();
  const stats = { ...emptyStats(), blobsScanned: 0, commitsScanned: 0 };
  const warnings: string[] = [];
  const skipped = new SkipLog();
  const { config, signal } = opts;
  if (signal?.aborted) throw new Error('history scan cancelled');
  const keywordScan = prefilterScanner();

  // Commits are listed alongside (the blob walk does not list them), at the lowest priority: a
  // second commit walk competing for the CPU would slow the blob stream it runs beside. The list
  // gives the commit count, and the order and graph attribution needs if something hits.
  // The same walk prints every commit message; the few the prefilter passes are scanned below.
  const commitList = listCommits(repoDir, signal, messageGate, refs).catch(() => undefined);
  // Annotated tags: their messages are read here, and their objects (which the blob walk lists
  // under the tag's name) are left out of the blob stream.
  // A bad ref fails show-ref as well: the tags among the readable tips are then read as objects.
  const tags = tagMessages(repoDir, messageGate, signal)
    .catch(async () => {
      const tagTips = await refs.tagTips();
      if (!tagTips) return undefined;
      const messages = await tagObjectMessages(repoDir, tagTips, messageGate, signal);
      return { tagObjects: new Set(tagTips), messages };
    })
    .catch(() => undefined);

  // A history holds each path in many versions: the glob match is made once per path.
  const ignoredPaths = new Map<string, boolean>();
  const ignored = (path: string): boolean => {
    let v = ignoredPaths.get(path);
    if (v === undefined) ignoredPaths.set(path, (v = isPathIgnored(path, config)));
    return v;
  };
  const layout = await repoLayout(repoDir);
  const ctx: ReadContext = {
    repoDir,
    objectsDir: layout.objectsDir ?? null,
    opts,
    stats,
    skipped,
    keywordScan,
    ignored,
    tags,
    damaged,
    refs,
  };

  // 1–3. Read every blob once and gate its raw bytes: in pack order without reading a tree when
  // the packs allow it (gate-first), else along a walk of the trees.
  const source = layout.objectsDir ? gateFirstSource(layout.objectsDir) : undefined;
  // Gate-first reads what the object store holds, so it cannot see a reachable object that is not
  // there. Packs came from a clone or fetch, which checked them complete, or from a partial clone
  // (warned below); loose objects are where a local repository loses some (a deleted file in
  // .git/objects, an interrupted operation): with any, a walk that reads no blob counts them.
  const counting = new AbortController();
  const stopCounting = (): void => counting.abort();
  signal?.addEventListener('abort', stopCounting, { once: true });
  const missingCount =
    source && source.loose.length > 0 && !source.promisor
      ? countMissing(repoDir, counting.signal, refs).catch((err: unknown) => {
          if (counting.signal.aborted) {
            if (signal?.aborted) throw err;
            return 0;
          }
          warnings.push('could not check the history for missing objects');
          return 0;
        })
      : undefined;
  missingCount?.catch(() => undefined);
  let read: BlobsRead;
  try {
    const gateFirst = source && (await readGateFirst(ctx, source));
    // Declined: the walk counts what is missing itself.
    if (!gateFirst) counting.abort();
    read = gateFirst || (await readAlongWalk(ctx));
    if (read.pathless && missingCount) read.unreadable += await missingCount;
  } finally {
    signal?.removeEventListener('abort', stopCounting);
  }
  if (read.packs && read.packs.malformed > 0)
    warnings.push(
      `${read.packs.malformed} objects in the pack files could not be read in-process (${read.packs.errors[0] ?? 'malformed'}); git read them instead`,
    );
  const commits = await commitList;
  stats.commitsScanned = commits?.count ?? 0;
  const tagList = await tags;
  if (!commits) warnings.push('could not list the commits; commit messages were not scanned');
  if (!tagList) warnings.push('could not list the tags; annotated tag messages were not scanned');
  const messageHits: Hit[] = [];
  for (const m of commits?.messages ?? []) messageHits.push(...scanMessage(m, 'commit-message'));
  for (const m of tagList?.messages ?? []) messageHits.push(...scanMessage(m, 'tag-message'));
  if (read.unreadable > 0) {
    const detail = `${read.unreadable} reachable objects are missing or unreadable (shallow or partial clone?); they were not scanned`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail }, read.unreadable);
  }
  if (damaged.size > 0) {
    const ids = [...damaged].map((o) => o.slice(0, 12)).join(', ');
    const detail = `${damaged.size} damaged object${damaged.size === 1 ? '' : 's'} (${ids}) could not be read by git; the history was read without ${damaged.size === 1 ? 'it' : 'them'} (git fsck tells what else is damaged)`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail }, damaged.size);
  }
  if (read.unreadableInStore) {
    const detail = `${read.unreadableInStore} objects in the repository's object store could not be read (damaged, or not objects at all); any of them in the history was not scanned`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail }, read.unreadableInStore);
  }
  if (source?.promisor && read.pathless) {
    // Gate-first reads what the repository holds; it cannot count what a partial clone left out.
    const detail =
      'partial clone (promisor packs): objects its remote left out are not in the repository, and were not scanned';
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail });
  }
  // A shallow clone (CI checkouts are, by default) holds no commit past its boundary: those were
  // never read, and a history that looks clean here may not be.
  const shallow = await shallowBoundary(layout.shallowFile);
  if (shallow > 0) {
    const detail = `shallow clone: the history before ${shallow} boundary commit${shallow === 1 ? '' : 's'} was not fetched, so it was not scanned (git fetch --unshallow)`;
    warnings.push(detail);
    skipped.add({ path: '', reason: 'missing', detail });
  }

  // 4. Attribute hit blobs to the commits and paths that wrote them (ignored paths excluded).
  // Gate-first also asks for the paths of the blobs a path could make hit (a login file) and of
  // those too large to read (for the skip log).
  const candidates = new Set(read.hitsByBlob.keys());
  for (const oid of read.pathless?.needPath ?? []) candidates.add(oid);
  for (const oid of read.pathless?.tooLarge.keys() ?? []) candidates.add(oid);
  opts.onProgress?.({ phase: 'attribute', done: 0, total: candidates.size });
  if (process.env.UG_PACK_STATS)
    process.stderr.write(
      `history: ${read.pathless ? 'gate-first' : 'walk'}, ${candidates.size} blobs attributed\n`,
    );
  const attribution = await attributeBlobs(repoDir, candidates, {
    ...(signal ? { signal } : {}),
    ...(commits ? { commits } : {}),
    // Message findings need the commit graph (refs reaching them) even with no hit blob.
    graph: messageHits.length > 0,
    refs,
  });
  if (attribution.error)
    warnings.push(
      `history attribution stopped early (${attribution.error}); some findings lack their commit`,
    );
  let ignoredWrites = 0;
  for (const [oid, ws] of attribution.writes) {
    const kept = ws.filter((w) => !ignored(w.path));
    if (kept.length === 0) ignoredWrites++;
    attribution.writes.set(oid, kept);
  }
  // Gate-first: each blob scanned again at each path it was written at (paths change what a
  // scan reports: a login file, a docs example, where a value is exposed).
  const settled = read.pathless
    ? await settlePaths(ctx, read.hitsByBlob, read.pathless, attribution.writes)
    : undefined;
  // Gate-first counts the blobs it found only at ignored paths (it reads before it knows paths).
  if (settled) stats.skippedIgnored += ignoredWrites;
  const hitsByBlob = settled?.hitsByBlob ?? read.hitsByBlob;
  const hits: Hit[] = [...messageHits];
  for (const [oid, blobHits] of hitsByBlob) {
    const writes = attribution.writes.get(oid);
    // Never drop a secret: a blob the log walk did not attribute (it stopped early, or only a
    // ref or a tag reaches it) is reported at the path it was found at, without a commit. Writes
    // all at ignored paths are dropped.
    if (!writes) hits.push(...blobHits);
    for (const w of writes ?? [])
      for (const h of settled?.atPath(oid, w.path) ?? blobHits)
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
  ignoredPaths.clear();
  // Refs a walk could not start from (it then started from the others).
  warnings.push(...refs.warnings());
  // Names stay raw until the facts are in: they are found again by (commit, path), and a path
  // masked first (a directory named after the token) matched no blob, so a leak at HEAD read
  // "no longer at HEAD", on no branch, introduced by no commit.
  const result = finishScan('history', hits, stats, warnings, opts, started, skipped, 'raw');

  // 5. History facts per finding: introducing commit, still at HEAD, branches, commit count.
  await addHistoryFacts(
    repoDir,
    result.findings,
    hitsByBlob,
    attribution,
    opts.headRef ?? 'HEAD',
    warnings,
  );
  maskNamesInResult(result, hits); // paths, and the refs and warnings added just now
  opts.onProgress?.({
    phase: 'done',
    done: read.done,
    total: read.listed,
    bytes: stats.bytesScanned,
  });
  result.stats.durationMs = Date.now() - started;
  return result;
}

interface ReadContext {
  repoDir: string;
  /** The SHA-1 object directory (null: no SHA-1 repository; git reads everything). */
  objectsDir: string | null;
  opts: HistoryOptions;
  stats: ReturnType<typeof emptyStats> & { blobsScanned: number; commitsScanned: number };
  skipped: SkipLog;
  keywordScan: KeywordScanner;
  ignored(path: string): boolean;
  /** The annotated tags (the walk lists their objects, which are not blobs). */
  tags: Promise<Awaited<ReturnType<typeof tagMessages>> | undefined>;
  /** Objects git cannot read (an earlier attempt died on them): not asked for again. */
  damaged: ReadonlySet<string>;
  /** Where every walk of this scan starts. */
  refs: HistoryRefs;
}

/** What reading the blobs found. */
interface BlobsRead {
  /** Blob → hits (at the blob's path along the walk; at no path, '', gate-first). */
  hitsByBlob: Map<string, Hit[]>;
  /** Reachable objects missing or unreadable. */
  unreadable: number;
  /** Gate-first: objects of the store (reachable or not) that git could not read. */
  unreadableInStore?: number;
  packs?: { malformed: number; errors: string[] } | undefined;
  listed: number;
  done: number;
  /** Gate-first: blobs whose paths decide what they hold. */
  pathless?: {
    /** Without hits at no path, but a detector that reads files by path might report them. */
    needPath: Set<string>;
    /** Over hardMaxFileSize: skipped, reported at their path. */
    tooLarge: Map<string, number>;
  };
}

/** Scans one blob's bytes (scan-blob.ts) and counts what it sniffed. */
function scanBlob(
  ctx: ReadContext,
  parts: Buffer[],
  path: string,
  ungated: boolean,
  count = true,
): Hit[] | undefined {
  const r = scanBlobBytes(ctx.keywordScan, parts, path, ungated);
  if (count && r.encoding) countEncoding(ctx.stats, r.encoding);
  return r.hits;
}

/** Progress of the read phase: `listed` may grow until `final`. */
function progress(ctx: ReadContext): {
  tick(): void;
  set(listed: number, final: boolean): void;
  readonly done: number;
  readonly listed: number;
} {
  const report = ctx.opts.onProgress;
  let done = 0;
  let listed = 0;
  let final = false;
  return {
    tick() {
      done++;
      if (report && done % 2000 === 0)
        report({
          phase: 'scan',
          done,
          total: listed - ctx.stats.skippedIgnored,
          totalFinal: final,
          bytes: ctx.stats.bytesScanned,
        });
    },
    set(n, f) {
      listed = n;
      final = f;
    },
    get done() {
      return done;
    },
    get listed() {
      return listed;
    },
  };
}

/**
 * Along a walk of the trees (`git rev-list --objects --all`): each blob with the first path it was
 * seen at, read while the walk goes on. Ignored paths are not read; files read by path are read
 * whole.
 */
async function readAlongWalk(ctx: ReadContext): Promise<BlobsRead> {
  const { repoDir, opts, stats, skipped, ignored, tags } = ctx;
  const { config, signal } = opts;
  const paths = new Map<string, string>();
  const listing: BlobListing = { missing: 0 };
  const count = progress(ctx);
  // Blobs at a path read whatever they hold (the Upstash CLI's login file: an email and a UUID,
  // no keyword): the readers' keyword gate lets them through. Rare, so a set of their oids.
  const byPath = new Map<string, boolean>();
  const ungated = new Set<string>();
  const ignoredOids = new Set<string>();
  let listed = 0;
  async function* wanted(): AsyncGenerator<string[]> {
    opts.onProgress?.({ phase: 'enumerate', done: 0 });
    // Awaited once the walk has output (the tag listing is done by then): no delay to its start.
    let tagObjects: Set<string> | undefined | null = null;
    for await (const blobs of listReachableBlobs(repoDir, listing, signal, ctx.refs)) {
      if (tagObjects === null) tagObjects = (await tags)?.tagObjects;
      // A walk cut short by a damaged history lists again from the start: each blob once.
      const again = ctx.refs.walkedAgain;
      const batch: string[] = [];
      for (const { oid, path } of blobs) {
        if (tagObjects?.has(oid) || (again && (paths.has(oid) || ignoredOids.has(oid)))) continue;
        listed++;
        if (ignored(path)) {
          ignoredOids.add(oid);
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
      count.set(listed, false);
      yield batch;
    }
    count.set(listed, true);
  }
  const hitsByBlob = new Map<string, Hit[]>();
  const next = (oid: string): string => {
    count.tick();
    // Only the blobs between the walk and the reader stay in memory, not the whole repository's.
    const path = paths.get(oid) ?? '';
    paths.delete(oid);
    return path;
  };
  const found = (oid: string, hits: Hit[] | undefined): void => {
    if (hits && hits.length > 0) hitsByBlob.set(oid, hits);
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
    found(oid, scanBlob(ctx, parts, path, ungated.has(oid)));
  };
  // Blobs over maxFileSize (up to hardMaxFileSize): overlapping windows as the bytes arrive.
  const large = largeSink(ctx, next, found);
  // Blobs are inflated in-process from the pack files (worker threads that also apply the keyword
  // gate, so only blobs that may hold a keyword cross to this thread); git cat-file reads the rest.
  const gated = (oid: string, size: number): void => {
    next(oid);
    stats.blobsScanned++;
    stats.filesScanned++;
    stats.bytesScanned += size;
  };
  // Blobs the readers scanned themselves: their answer, no bytes.
  const scanned = (oid: string, size: number, answer: unknown): void => {
    const r = answer as ReaderScan;
    gated(oid, size);
    if (r.encoding) countEncoding(stats, r.encoding);
    found(oid, r.hits);
  };
  const { missing, packs } = await streamPackedBlobs(repoDir, wanted(), config.maxFileSize, visit, {
    ...(signal ? { signal } : {}),
    objectsDir: ctx.objectsDir,
    large,
    ...(ctx.damaged.size ? { skip: ctx.damaged } : {}),
    gate: { keywords: PREFILTER_KEYWORDS, gated, ungated: (oid) => ungated.has(oid) },
    scan: { module: SCAN_IN_READER, path: (oid) => paths.get(oid) ?? '', scanned },
    // The versions of one file are deltas of each other: one reader thread reads them all.
    affinity: (oid) => pathHash(paths.get(oid) ?? ''),
  });
  return {
    hitsByBlob,
    unreadable: listing.missing + missing,
    packs,
    listed: count.listed,
    done: count.done,
  };
}

/** Blobs over maxFileSize (up to hardMaxFileSize), scanned in overlapping windows as they arrive. */
function largeSink(
  ctx: ReadContext,
  next: (oid: string) => string,
  found: (oid: string, hits: Hit[]) => void,
): { cap: number; open(oid: string, size: number): { push(c: Buffer): void; end(): void } } {
  const { config } = ctx.opts;
  return {
    cap: config.hardMaxFileSize,
    open(oid: string, size: number) {
      const windows = new WindowedScanner(
        { path: next(oid), gate: ctx.keywordScan },
        config.maxFileSize,
      );
      ctx.stats.blobsScanned++;
      ctx.stats.filesScanned++;
      ctx.stats.bytesScanned += size;
      return {
        push: (c: Buffer) => windows.push(c),
        end: () => {
          found(oid, windows.end());
          if (windows.encoding) countEncoding(ctx.stats, windows.encoding);
        },
      };
    },
  };
}

/**
 * Gate-first reads every blob, also those at ignored paths (lockfiles, which it cannot tell before
 * it knows paths), and saves the tree walk; the walk skips ignored paths for free. Gate-first is
 * chosen when the packs' trees hold at least this share of their blobs' bytes (estimated from the
 * entries' headers). Measured (docs/benchmarks.md): trufflehog (trees 27% of blob bytes) 0.77x of
 * F1 gate-first against 1.00x walking; redis-js (9.5%) and renovate (6.5%), where lockfiles
 * rewritten by every dependency update are half the blob bytes, 13-20% slower gate-first.
 */
const TREE_SHARE = 0.15;

/** Loose objects beyond this many: the tree walk reads the repository (cat-file would read all). */
const MAX_LOOSE = 10_000;

interface GateFirstSource {
  objectsDir: string;
  /** Loose objects (their type unknown until git reads them). */
  loose: string[];
  /** Packs from a promisor remote: a partial clone, which may lack objects on purpose. */
  promisor: boolean;
}

/**
 * Whether every object is where the gate-first read finds it: a SHA-1 repository (`objectsDir`)
 * with no alternates (objects elsewhere that only git follows) and few loose objects.
 * UG_HISTORY_MODE=walk forces the tree walk (measurements and tests).
 */
function gateFirstSource(objectsDir: string): GateFirstSource | undefined {
  if (process.env.UG_HISTORY_MODE === 'walk') return undefined;
  try {
    if (existsSync(join(objectsDir, 'info', 'alternates'))) return undefined;
    const loose: string[] = [];
    for (const dir of readdirSync(objectsDir)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of readdirSync(join(objectsDir, dir))) {
        if (!/^[0-9a-f]{38}$/.test(name)) continue;
        loose.push(dir + name);
        if (loose.length > MAX_LOOSE) return undefined;
      }
    }
    const promisor =
      existsSync(join(objectsDir, 'pack')) &&
      readdirSync(join(objectsDir, 'pack')).some((n) => n.endsWith('.promisor'));
    return { objectsDir, loose, promisor };
  } catch {
    return undefined;
  }
}

/**
 * Gate-first: every blob of the packs (and the loose ones), in pack order, with no tree read and
 * no path known. The keyword gate rules out nearly all of them; the rest are scanned at no path,
 * and only the blobs that hit (or that a path could make hit) get their paths, from the diff walk
 * attribution makes anyway (`settlePaths`). Undefined when the packs cannot be listed.
 */
async function readGateFirst(
  ctx: ReadContext,
  source: GateFirstSource,
): Promise<BlobsRead | undefined> {
  const { repoDir, opts, stats } = ctx;
  const { config, signal } = opts;
  const count = progress(ctx);
  const hitsByBlob = new Map<string, Hit[]>();
  const needPath = new Set<string>();
  const tooLarge = new Map<string, number>();
  const next = (): string => {
    count.tick();
    return '';
  };
  const found = (oid: string, hits: Hit[] | undefined): void => {
    if (hits && hits.length > 0) hitsByBlob.set(oid, hits);
  };
  const visit = (oid: string, parts: Buffer[] | null, size: number): void => {
    next();
    if (parts === null) {
      stats.skippedTooLarge++;
      tooLarge.set(oid, size);
      return;
    }
    stats.blobsScanned++;
    stats.filesScanned++;
    const length = partsLength(parts);
    stats.bytesScanned += length;
    const hits = scanBlob(ctx, parts, '', false);
    found(oid, hits);
    if (needsPath(parts, hits)) needPath.add(oid);
  };
  const gated = (_oid: string, size: number): void => {
    next();
    stats.blobsScanned++;
    stats.filesScanned++;
    stats.bytesScanned += size;
  };
  const scanned = (oid: string, size: number, answer: unknown): void => {
    const r = answer as ReaderScan;
    gated(oid, size);
    if (r.encoding) countEncoding(stats, r.encoding);
    found(oid, r.hits);
    if (r.needPath) needPath.add(oid);
  };
  opts.onProgress?.({ phase: 'enumerate', done: 0 });
  const r = await streamEveryBlob(
    repoDir,
    source.objectsDir,
    source.loose,
    config.maxFileSize,
    visit,
    {
      ...(signal ? { signal } : {}),
      ...(ctx.damaged.size ? { skip: ctx.damaged } : {}),
      large: largeSink(ctx, next, found),
      gate: {
        keywords: PREFILTER_KEYWORDS,
        gated,
        pathContent: { tests: PATH_CONTENT, maxBytes: PATH_CONTENT_BYTES },
      },
      scan: { module: SCAN_IN_READER, scanned },
    },
    (listed) => count.set(listed, true),
    (estimate) =>
      process.env.UG_HISTORY_MODE === 'gate' || estimate.trees >= TREE_SHARE * estimate.blobs,
  );
  if (!r) return undefined;
  // The listing counted loose objects of every type; what was read is the blobs' total.
  count.set(count.done, true);
  return {
    hitsByBlob,
    // What git could not read of what the store holds may be in no history: said apart below.
    unreadable: 0,
    unreadableInStore: r.missing,
    packs: r.packs,
    listed: count.listed,
    done: count.done,
    pathless: { needPath, tooLarge },
  };
}

/** Distinct paths a blob is scanned at again; past this many, its hits at no path are reused. */
const MAX_RESCAN_PATHS = 32;

/**
 * Gate-first, after attribution: where each candidate blob is (`writes`, ignored paths already
 * removed; a blob no commit wrote is looked up along a tree walk, which finds the ones only a ref
 * or a tag reaches; one that nothing reaches is no part of the history and is dropped), then each
 * hit blob scanned again at its paths, login-file candidates at theirs, and oversize blobs logged
 * at theirs.
 */
async function settlePaths(
  ctx: ReadContext,
  pathless: Map<string, Hit[]>,
  { needPath, tooLarge }: NonNullable<BlobsRead['pathless']>,
  writes: Map<string, BlobWrite[]>,
): Promise<{
  hitsByBlob: Map<string, Hit[]>;
  atPath(oid: string, path: string): Hit[] | undefined;
}> {
  const { repoDir, opts, stats, skipped, ignored } = ctx;
  const { config, signal } = opts;
  const pathsOf = new Map<string, string[]>();
  const unattributed = new Set<string>();
  for (const oid of [...pathless.keys(), ...needPath, ...tooLarge.keys()]) {
    const ws = writes.get(oid);
    if (!ws) unattributed.add(oid);
    else if (ws.length > 0) pathsOf.set(oid, [...new Set(ws.map((w) => w.path))]);
  }
  // Reached by no commit's diff: a ref or tag to a blob or tree, or nothing at all.
  if (unattributed.size > 0) {
    for (const [oid, path] of await firstPaths(repoDir, unattributed, signal, ctx.refs)) {
      if (ignored(path)) {
        stats.skippedIgnored++;
        continue;
      }
      pathsOf.set(oid, [path]);
    }
  }
  for (const [oid, size] of tooLarge) {
    const at = pathsOf.get(oid)?.[0];
    if (at === undefined) {
      // Unreachable, or only at ignored paths (counted there): not what this scan reports on.
      stats.skippedTooLarge--;
      continue;
    }
    skipped.tooLarge(at, size, config.hardMaxFileSize);
  }
  // What to read again, and at which paths.
  const scanAt = new Map<string, string[]>();
  for (const oid of pathless.keys()) {
    const paths = pathsOf.get(oid);
    if (paths) scanAt.set(oid, paths.slice(0, MAX_RESCAN_PATHS));
  }
  for (const oid of needPath) {
    const paths = pathsOf.get(oid)?.filter((p) => isCredentialFile(p));
    if (paths && paths.length > 0) scanAt.set(oid, paths.slice(0, MAX_RESCAN_PATHS));
  }
  const byPath = new Map<string, Map<string, Hit[]>>();
  const record = (oid: string, path: string, hits: Hit[] | undefined): void => {
    let m = byPath.get(oid);
    if (!m) byPath.set(oid, (m = new Map()));
    m.set(path, hits ?? []);
  };
  if (scanAt.size > 0) {
    // Read a moment ago: an object gone since (a gc) keeps its hits at no path.
    await streamBlobs(
      repoDir,
      [[...scanAt.keys()]],
      config.maxFileSize,
      (oid, parts) => {
        if (!parts) return;
        for (const path of scanAt.get(oid) ?? [])
          record(oid, path, scanBlob(ctx, parts, path, isCredentialFile(path), false));
      },
      {
        ...(signal ? { signal } : {}),
        ...(ctx.damaged.size ? { skip: ctx.damaged } : {}),
        readers: 1,
        large: {
          cap: config.hardMaxFileSize,
          open(oid) {
            const scanners = (scanAt.get(oid) ?? []).map(
              (path) =>
                [
                  path,
                  new WindowedScanner({ path, gate: ctx.keywordScan }, config.maxFileSize),
                ] as const,
            );
            return {
              push: (c: Buffer) => scanners.forEach(([, w]) => w.push(c)),
              end: () => scanners.forEach(([path, w]) => record(oid, path, w.end())),
            };
          },
        },
      },
    );
    if (signal?.aborted) throw new Error('history scan cancelled');
  }
  const hitsByBlob = new Map<string, Hit[]>();
  for (const [oid, paths] of pathsOf) {
    const m = byPath.get(oid);
    const all: Hit[] = [];
    for (const path of paths) all.push(...(m?.get(path) ?? pathless.get(oid) ?? []));
    if (all.length > 0) hitsByBlob.set(oid, all);
  }
  return {
    hitsByBlob,
    atPath: (oid, path) => {
      const m = byPath.get(oid);
      const own = m?.get(path);
      if (own && own.length > 0) return own;
      // The same bytes hold the same secret at every path: a copy of a login file at a path that
      // says nothing is still that key. Past MAX_RESCAN_PATHS, or not read again: the hits at no
      // path. Either way relabelled to this path.
      let other: Hit[] | undefined;
      for (const hits of m?.values() ?? []) if (hits.length > 0) other ??= hits;
      return (other ?? pathless.get(oid) ?? []).map((h) => ({
        ...h,
        occurrence: { ...h.occurrence, path },
      }));
    },
  };
}

/**
 * The first path at which a tree walk from every ref reaches each of `oids` (a ref or tag that
 * points at a blob gives the ref's name). Oids nothing reaches are absent. Stops once all are found.
 */
async function firstPaths(
  repoDir: string,
  oids: ReadonlySet<string>,
  signal: AbortSignal | undefined,
  refs: HistoryRefs,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for await (const blobs of listReachableBlobs(repoDir, { missing: 0 }, signal, refs)) {
      for (const { oid, path } of blobs) if (oids.has(oid) && !out.has(oid)) out.set(oid, path);
      if (out.size === oids.size) break;
    }
  } catch {
    // A walk that failed part way: what it found stands; the rest is reported at no path.
    if (signal?.aborted) throw new Error('history scan cancelled');
    for (const oid of oids) if (!out.has(oid)) out.set(oid, '');
  }
  // A blob a ref points at has no path in a walk: it is shown under the ref's name.
  let asked = 0;
  for (const [oid, path] of out) {
    if (path !== '' || asked++ >= 16) continue;
    const r = await runGit(['for-each-ref', '--format=%(refname)', '--points-at', oid], {
      cwd: repoDir,
      okCodes: [0, 128, 129],
      timeoutMs: 30_000,
    }).catch(() => undefined);
    const ref = r?.code === 0 ? r.stdout.toString('utf8').split('\n')[0] : undefined;
    if (ref) out.set(oid, ref);
  }
  return out;
}

/** A cheap string hash (FNV-1a) of a path. */
function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * What the scan needs of the repository's layout, from one `git rev-parse`: the object directory
 * when it is a SHA-1 repository (what the pack reader reads), and the shallow file when it is a
 * shallow clone.
 */
async function repoLayout(repoDir: string): Promise<{ objectsDir?: string; shallowFile?: string }> {
  const r = await runGit(
    [
      'rev-parse',
      '--show-object-format',
      '--git-path',
      'objects',
      '--is-shallow-repository',
      '--git-path',
      'shallow',
    ],
    { cwd: repoDir, okCodes: [0, 128], timeoutMs: 30_000 },
  );
  if (r.code !== 0) return {};
  const [format, objects, isShallow, shallow] = r.stdout.toString('utf8').split('\n');
  return {
    ...(format === 'sha1' && objects ? { objectsDir: resolve(repoDir, objects) } : {}),
    ...(isShallow === 'true' && shallow ? { shallowFile: resolve(repoDir, shallow) } : {}),
  };
}

/** How many commits mark the boundary of a shallow clone; 0 for a complete one. */
async function shallowBoundary(shallowFile: string | undefined): Promise<number> {
  if (!shallowFile) return 0;
  const text = await readFile(shallowFile, 'utf8').catch(() => '');
  return Math.max(1, text.split('\n').filter(Boolean).length);
}
