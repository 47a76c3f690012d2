/**
 * streamBlobs over the in-process pack reader: the same visitor contract as cat-file-stream.ts,
 * with blob bytes inflated straight out of the repository's pack files (worker threads when
 * available) instead of crossing a pipe from `git cat-file`. What the reader cannot answer with
 * certainty (see pack-store.ts) goes to `git cat-file` as before, per object, so loose objects,
 * alternates and missing objects behave and are counted exactly as they were.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parallelGitProcesses, runGit } from '../run-git.js';
import { streamBlobs, type BlobVisitor, type StreamOptions } from '../history/cat-file-stream.js';
import {
  DEFAULT_MEMORY_BYTES,
  emptyStats,
  loadIndexes,
  openPacksIn,
  type PackStoreStats,
  type SharedIndex,
} from './pack-store.js';
import {
  addStats,
  GATED,
  KEPT,
  OID_HEX,
  SCANNED,
  DEFERRED,
  type BatchRequest,
  type BatchResult,
} from './read-batch.js';
import type { PackWorkerData } from './pack-worker.js';
import { listPackedBlobs, type PackEstimate, type PackedBlobs } from './packed-blobs.js';

export interface PackStreamOptions extends StreamOptions {
  /**
   * Text blobs without any of these keywords are reported through `gated` without their bytes
   * (the worker applies the gate; see read-batch.ts `textGate`). Only with worker threads.
   */
  gate?: {
    keywords: readonly string[];
    gated(oid: string, size: number): void;
    /** Blobs sent whatever they hold (a file read by its path): their own requests, ungated. */
    ungated?: (oid: string) => boolean;
    /** Small blobs that pass all tests of one group are sent too (see core's PATH_CONTENT). */
    pathContent?: { tests: readonly (readonly RegExp[])[]; maxBytes: number };
  };
  /**
   * A number per blob (a hash of its path): blobs with the same number go to the same reader
   * thread, so the versions of one file, which are deltas of each other, are inflated where their
   * bases already are instead of once per thread.
   */
  affinity?: (oid: string) => number;
  /** Reader threads; 0 reads on the calling thread. Default: 2, or 1 on a single-core machine. */
  threads?: number;
  /** Delta-base cache per reader, bytes. Default 24 MiB (two readers: 48 MiB). */
  cacheBytes?: number;
  /** Skip the pack reader (cat-file only). */
  noPacks?: boolean;
  /**
   * Reader threads scan the blobs that pass the gate themselves (with `gate` only): `module` is
   * the URL of a module exporting `scanInReader(bytes, path, ungated)`, and `scanned` gets each
   * answer instead of `visit` getting the bytes. `path` gives each blob's path for the reader
   * (absent: ''). Blobs read on this thread (no readers, or git's fallback) still go to `visit`.
   */
  scan?: {
    module: string;
    path?: (oid: string) => string;
    scanned(oid: string, size: number, answer: unknown): void;
  };
  /**
   * The repository's SHA-1 object directory when the caller already asked git (`null`: it is no
   * SHA-1 repository); otherwise this asks.
   */
  objectsDir?: string | null;
}

export interface PackStreamResult {
  missing: number;
  /** Absent when the repository was read through cat-file alone. */
  packs?: PackStoreStats & { fallback: number; threads: number; memoryBytes: number };
}

/**
 * Pack bytes held in memory by the scans running in this process at once. With a budget
 * (UG_PACK_MEMORY_MB; by default none: see DEFAULT_MEMORY_BYTES), a scan reads its packs whole
 * while they fit in what is left of it, so an App running several history scans together holds
 * the budget once, not once per scan; the others read in place (same result).
 */
let packMemoryHeld = 0;
const packMemoryBudget = (): number =>
  (envNumber('UG_PACK_MEMORY_MB') ?? DEFAULT_MEMORY_BYTES / 1024 / 1024) * 1024 * 1024;

/**
 * Indexes a gate-first read loaded and then declined (streamEveryBlob): the walk that follows at
 * once reads the same packs. Taken by the next lease of the same directory within a few seconds;
 * dropped otherwise (packs may have changed since: what the reader does not find, git reads).
 */
let spare: { objectsDir: string; indexes: SharedIndex[]; at: number } | undefined;

/** Loads the indexes (and packs, within the budget) and counts what it holds until `release`. */
function leaseIndexes(objectsDir: string): {
  indexes: SharedIndex[] | undefined;
  bytes: number;
  release(): void;
} {
  const kept = spare && spare.objectsDir === objectsDir && Date.now() - spare.at < 5000;
  const indexes = kept
    ? spare!.indexes
    : loadIndexes(objectsDir, Math.max(0, packMemoryBudget() - packMemoryHeld));
  spare = undefined;
  let bytes = 0;
  for (const i of indexes ?? []) bytes += i.pack?.byteLength ?? 0;
  packMemoryHeld += bytes;
  let released = false;
  return {
    indexes,
    bytes,
    release() {
      if (released) return;
      released = true;
      packMemoryHeld -= bytes;
    },
  };
}

/** The repository's object directory when it is a SHA-1 repository (what the pack reader reads). */
async function sha1ObjectsDir(repoDir: string): Promise<string | undefined> {
  try {
    const out = (
      await runGit(['rev-parse', '--show-object-format', '--git-path', 'objects'], {
        cwd: repoDir,
        timeoutMs: 60_000,
      })
    ).stdout
      .toString('utf8')
      .split('\n');
    return out[0] === 'sha1' && out[1] ? resolve(repoDir, out[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Below this many bytes of packs, blobs are read on the calling thread: starting two reader
 * threads (modules, WebAssembly, V8 heaps) cost more than they saved on upstash/redis-js (11 MB of
 * pack: 2.25-2.36 CPU-s with two readers, 1.90-1.93 on the main thread, 2.0-2.1 with cat-file).
 */
const SMALL_PACKS = 32 * 1024 * 1024;

/** How many index files git sees in the pack directory (any name ending in .idx). */
function packIndexFiles(objectsDir: string): number {
  try {
    return readdirSync(resolve(objectsDir, 'pack')).filter((n) => n.endsWith('.idx')).length;
  } catch {
    return -1;
  }
}

function packBytes(objectsDir: string): number {
  let total = 0;
  try {
    const dir = resolve(objectsDir, 'pack');
    for (const n of readdirSync(dir))
      if (n.endsWith('.pack')) total += statSync(resolve(dir, n)).size;
  } catch {
    return 0;
  }
  return total;
}

/** Tuning knobs for measurements (docs/benchmarks.md); not part of the interface. */
function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

const workerFile = (): string | undefined => {
  const file = fileURLToPath(new URL('./pack-worker.js', import.meta.url));
  // Under the test runner this module is TypeScript and has no compiled sibling: read in-thread.
  return existsSync(file) ? file : undefined;
};

export async function streamPackedBlobs(
  repoDir: string,
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  maxSize: number,
  visit: BlobVisitor,
  opts: PackStreamOptions = {},
): Promise<PackStreamResult> {
  // Ask for the first batch before anything else, so the listing (a tree walk in git) starts
  // while the repository's packs are located and the readers start.
  oids = prefetched(oids);
  const sha1Dir = opts.noPacks
    ? undefined
    : opts.objectsDir !== undefined
      ? (opts.objectsDir ?? undefined)
      : await sha1ObjectsDir(repoDir);
  const objectsDir = sha1Dir !== undefined && packIndexFiles(sha1Dir) > 0 ? sha1Dir : undefined;
  if (!objectsDir) return streamBlobs(repoDir, oids, maxSize, visit, opts);
  const listed = oids;
  return (await readPacks(repoDir, objectsDir, () => ({ oids: listed }), maxSize, visit, opts))!;
}

/** Oids in requests of a thousand. */
function chunked(oids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < oids.length; i += 1000) out.push(oids.slice(i, i + 1000));
  return out;
}

export interface EveryBlobResult extends PackStreamResult {
  /** Blobs the packs listed, plus the objects git was asked about (loose). */
  listed: number;
}

/**
 * Every blob of the repository, in pack order (packed-blobs.ts), plus the objects in `others`
 * (loose objects: git reads them and skips what is no blob), with no tree walk. Reachability is
 * not known here: the caller settles it for the few blobs that matter. Undefined when the packs
 * cannot be listed or read in-process (the caller then walks the trees).
 */
export async function streamEveryBlob(
  repoDir: string,
  objectsDir: string,
  others: readonly string[],
  maxSize: number,
  visit: BlobVisitor,
  opts: PackStreamOptions = {},
  onListed?: (listed: number) => void,
  /** Sees the packs' estimate before their blobs are listed: false declines (undefined). */
  proceed?: (estimate: PackEstimate) => boolean,
): Promise<EveryBlobResult | undefined> {
  let listed = 0;
  if (packIndexFiles(objectsDir) === 0) {
    // No pack (a small repository never repacked): git reads the loose objects.
    onListed?.(others.length);
    const { missing } = await streamBlobs(repoDir, chunked(others), maxSize, visit, opts);
    return { missing, listed: others.length };
  }
  const r = await readPacks(
    repoDir,
    objectsDir,
    (indexes, threads) => {
      // Every pack must be listed: an object in a pack left out would be read by no one.
      if (indexes.length === 0 || indexes.length !== packIndexFiles(objectsDir)) return undefined;
      let listing: PackedBlobs | undefined;
      try {
        listing = listPackedBlobs(indexes, threads, proceed);
      } catch {
        return undefined;
      }
      // Entries whose type the headers do not tell (a REF_DELTA cycle, on which git loops forever;
      // a malformed entry) may be in no history at all: only a walk reads just what refs reach.
      if (listing && listing.unresolved.length > 0) listing = undefined;
      if (!listing) {
        // Declined: the caller reads the same packs along a walk next; it need not load them again.
        spare = { objectsDir, indexes, at: Date.now() };
        return undefined;
      }
      listed = listing.blobs + others.length;
      onListed?.(listed);
      const prefer = new WeakMap<readonly string[], number>();
      const batches: string[][] = [];
      for (const b of listing.batches) {
        prefer.set(b.oids, b.reader);
        batches.push(b.oids);
      }
      batches.push(...chunked(others));
      return { oids: batches, prefer: (b) => prefer.get(b) };
    },
    maxSize,
    visit,
    opts,
  );
  return r && { ...r, listed };
}

/** What readPacks reads: batches of oids, and the reader each batch is for (when it matters). */
type Source = (
  indexes: SharedIndex[],
  threads: number,
) =>
  | {
      oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>;
      prefer?: (batch: readonly string[]) => number | undefined;
    }
  | undefined;

async function readPacks(
  repoDir: string,
  objectsDir: string,
  source: Source,
  maxSize: number,
  visit: BlobVisitor,
  opts: PackStreamOptions,
): Promise<PackStreamResult | undefined> {
  const { signal } = opts;
  const cacheBytes = opts.cacheBytes ?? (envNumber('UG_PACK_CACHE_MB') ?? 24) * 1024 * 1024;

  // What the packs cannot answer goes to one cat-file reader, started on the first such object.
  const queue = new BatchQueue();
  let fallbackRun: Promise<{ missing: number }> | undefined;
  let fallbackCount = 0;
  const fallback = (batch: readonly string[]): void => {
    if (batch.length === 0 || signal?.aborted) return;
    fallbackCount += batch.length;
    queue.push(batch);
    fallbackRun ??= streamBlobs(repoDir, queue, maxSize, visit, {
      ...(signal ? { signal } : {}),
      ...(opts.large ? { large: opts.large } : {}),
      ...(opts.skip ? { skip: opts.skip } : {}),
      readers: 1,
    });
  };
  const stats = emptyStats();
  let threads =
    opts.threads ??
    envNumber('UG_PACK_THREADS') ??
    (packBytes(objectsDir) < SMALL_PACKS ? 0 : parallelGitProcesses());
  const file = threads > 0 ? workerFile() : undefined;
  if (!file) threads = 0;
  const lease = leaseIndexes(objectsDir);
  const memoryBytes = lease.bytes;
  try {
    const from = source(lease.indexes ?? [], threads);
    if (!from) return undefined;
    // No index this reader can use: git reads the listing.
    if (!lease.indexes) return await streamBlobs(repoDir, from.oids, maxSize, visit, opts);
    const { oids, prefer } = from;
    if (threads === 0) {
      const store = openPacksIn(objectsDir, { cacheBytes }, lease.indexes);
      if (!store) return await streamBlobs(repoDir, oids, maxSize, visit, opts);
      try {
        for await (const batch of oids) {
          if (signal?.aborted) break;
          const left: string[] = [];
          for (const oid of batch) {
            const data = store.read(oid, maxSize);
            if (data) visit(oid, [data], data.length);
            else left.push(oid);
          }
          fallback(left);
        }
      } finally {
        addStats(stats, store.stats);
        store.close();
      }
    } else {
      await readInWorkers(
        file!,
        threads,
        objectsDir,
        lease.indexes,
        oids,
        maxSize,
        visit,
        opts,
        cacheBytes,
        fallback,
        stats,
        prefer,
      );
    }
  } finally {
    lease.release();
    queue.end();
  }
  const { missing } = fallbackRun ? await fallbackRun : { missing: 0 };
  if (signal?.aborted) throw new Error('history scan cancelled');
  const packs = { ...stats, fallback: fallbackCount, threads, memoryBytes };
  if (process.env.UG_PACK_STATS)
    process.stderr.write(
      `pack reader: ${JSON.stringify(packs)} memory: ${JSON.stringify(process.memoryUsage())}\n`,
    );
  return { missing, packs };
}

/** Batches go to the readers by affinity, at most two outstanding per reader (backpressure). */
async function readInWorkers(
  file: string,
  threads: number,
  objectsDir: string,
  indexes: SharedIndex[],
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  maxSize: number,
  visit: BlobVisitor,
  opts: PackStreamOptions,
  cacheBytes: number,
  fallback: (batch: readonly string[]) => void,
  stats: PackStoreStats,
  preferOf?: (batch: readonly string[]) => number | undefined,
): Promise<void> {
  const { signal, gate } = opts;
  const workerData: PackWorkerData = {
    objectsDir,
    indexes,
    maxSize,
    cacheBytes,
    ...(gate ? { keywords: gate.keywords } : {}),
    ...(gate?.pathContent
      ? {
          pathContent: gate.pathContent.tests.map((all) =>
            all.map((t) => ({ source: t.source, flags: t.flags })),
          ),
          pathContentBytes: gate.pathContent.maxBytes,
        }
      : {}),
    ...(gate && opts.scan ? { scan: opts.scan.module } : {}),
    maxKeptBytes: envNumber('UG_PACK_KEPT_BYTES') ?? MAX_KEPT_BYTES,
  };
  const scan = gate ? opts.scan : undefined;
  // Blobs go to this thread as bytes, and it scans them, until scanning here is the bottleneck
  // (`scanHere`); then the readers scan what they read (`inReaders`).
  const started = performance.now();
  let scanningHereMs = 0;
  let inReaders = process.env.UG_SCAN_IN_READERS === '1';
  let switchedAt: number | undefined;
  let scannedInReaders = 0;
  let deferredCount = 0;
  const scanHere = (ms: number): void => {
    scanningHereMs += ms;
    if (
      scan &&
      !inReaders &&
      process.env.UG_SCAN_IN_READERS !== '0' &&
      scanningHereMs >= SWITCH_AFTER_MS &&
      scanningHereMs >= SWITCH_SHARE * (performance.now() - started)
    ) {
      inReaders = true;
      switchedAt = performance.now() - started;
    }
  };
  interface Reader {
    worker: Worker;
    inflight: Map<number, Request>;
    alive: boolean;
    done: Promise<void>;
  }
  let failure: unknown;
  let wake: (() => void) | undefined;
  /** A request as the listing cut it. */
  interface Request {
    batch: readonly string[];
    prefer?: number;
    ungated?: true;
  }
  const again: Request[] = [];
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Hands each blob of a result on; returns those the reader deferred. */
  const deliver = (batch: readonly string[], r: BatchResult): string[] => {
    const deferred: string[] = [];
    let at = 0;
    let chunk = -1;
    let scanned = 0;
    const left: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const outcome = r.outcome[i];
      const size = r.sizes[i]!;
      if (outcome === SCANNED && scan && r.scans) {
        scan.scanned(batch[i]!, size, r.scans[scanned++]);
        scannedInReaders++;
      } else if (outcome === KEPT) {
        if (r.chunkOf[i] !== chunk) {
          chunk = r.chunkOf[i]!;
          at = 0;
        }
        const t = performance.now();
        visit(batch[i]!, [Buffer.from(r.data[chunk]!, at, size)], size);
        scanHere(performance.now() - t);
        at += size;
      } else if (outcome === GATED) gate!.gated(batch[i]!, size);
      else if (outcome === DEFERRED) {
        deferred.push(batch[i]!);
        deferredCount++;
      }
      // FALLBACK, or past the end of a result shorter than its request: git reads it.
      else left.push(batch[i]!);
    }
    fallback(left);
    return deferred;
  };
  const readers: Reader[] = Array.from({ length: threads }, () => {
    // A worker's default young generation is larger than the main thread's: on renovate, two
    // readers peaked at 485 MB of RSS with it and 434 MB with 16 MB, for the same CPU time.
    const worker = new Worker(file, {
      workerData,
      // The parent's flags, less the one a worker refuses (`node --input-type=module -e …`, as
      // scripts embed the engine): with it every reader died at start and git read everything.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    const reader: Reader = { worker, inflight: new Map(), alive: true, done: Promise.resolve() };
    reader.done = new Promise<void>((resolveDone) => {
      const lost = (err?: unknown): void => {
        if (!reader.alive) return;
        if (process.env.UG_PACK_STATS)
          process.stderr.write(
            `reader lost: ${err instanceof Error ? err.message : String(err)}\n`,
          );
        reader.alive = false;
        // A reader that died (a bug, or memory) leaves its batches to git: nothing is dropped.
        for (const { batch } of reader.inflight.values()) fallback(batch);
        reader.inflight.clear();
        poke();
        resolveDone();
      };
      worker.on(
        'message',
        (m: BatchResult | { done: true; stats?: PackStoreStats; busyMs?: number }) => {
          if ('done' in m) {
            if (m.stats) addStats(stats, m.stats);
            if (process.env.UG_PACK_STATS)
              process.stderr.write(
                `reader done at ${Math.round(performance.now())} ms, busy ${Math.round(m.busyMs ?? 0)} ms\n`,
              );
            reader.alive = false;
            resolveDone();
            return;
          }
          const sent = reader.inflight.get(m.id);
          reader.inflight.delete(m.id);
          try {
            const deferred = deliver(sent?.batch ?? [], m);
            // Asked again first, of the same reader (its delta bases are there).
            if (deferred.length > 0 && sent)
              again.push({ ...sent, batch: deferred, prefer: readers.indexOf(reader) });
          } catch (err) {
            failure ??= err;
          }
          poke();
        },
      );
      worker.on('error', lost);
      worker.on('exit', lost);
    });
    return reader;
  });
  const stopAll = (): void => {
    for (const r of readers) void r.worker.terminate();
  };
  signal?.addEventListener('abort', stopAll, { once: true });
  try {
    let id = 0;
    let next = 0;
    const listing = pieces(
      split(routed(oids, readers.length, opts.affinity, preferOf), gate?.ungated),
      () => (inReaders ? SCAN_BATCH : Infinity),
    )[Symbol.asyncIterator]();
    let listed = false;
    for (;;) {
      // What readers deferred first; then the listing; once it is done, the results still out,
      // which may defer more.
      let item = again.shift();
      if (!item && !listed) {
        const r = await listing.next();
        if (r.done) listed = true;
        else item = r.value;
      }
      if (!item) {
        if (!listed) continue;
        if (signal?.aborted || failure || !readers.some((r) => r.alive && r.inflight.size > 0))
          break;
        await new Promise<void>((res) => (wake = res));
        continue;
      }
      const { batch, prefer, ungated } = item;
      if (signal?.aborted || failure) break;
      if (batch.length === 0) continue;
      // Requests are one string of fixed-width oids (the pack reader is for SHA-1 repositories;
      // anything else in a batch, which rev-list does not print, is git's to read).
      if (batch.some((o) => o.length !== OID_HEX)) {
        fallback(batch);
        continue;
      }
      let reader: Reader | undefined;
      for (;;) {
        const live = readers.filter((r) => r.alive);
        if (live.length === 0) break;
        const own = prefer === undefined ? undefined : readers[prefer];
        if (own?.alive) {
          // Locality gives way to balance: another reader with nothing to do takes the batch
          // (one file with thousands of versions would otherwise keep one thread busy alone).
          if (own.inflight.size < 2) reader = own;
          else reader = live.find((r) => r.inflight.size === 0);
        } else {
          for (let i = 0; i < readers.length && !reader; i++) {
            const r = readers[(next + i) % readers.length]!;
            if (r.alive && r.inflight.size < 2) reader = r;
          }
        }
        if (reader) break;
        await new Promise<void>((res) => (wake = res));
        if (signal?.aborted || failure) break;
      }
      if (signal?.aborted || failure) break;
      if (!reader) {
        fallback(batch);
        continue;
      }
      next = (readers.indexOf(reader) + 1) % readers.length;
      const req: BatchRequest = {
        id: id++,
        oids: batch.join(''),
        ...(ungated ? { ungated } : {}),
        ...(inReaders ? { scan: true as const } : {}),
        ...(inReaders && scan?.path ? { paths: batch.map(scan.path).join('\0') } : {}),
      };
      reader.inflight.set(req.id, item);
      reader.worker.postMessage(req);
    }
    // Stopped early (aborted, failed): the listing's git process is stopped too.
    if (!listed) await listing.return(undefined);
    if (process.env.UG_PACK_STATS)
      process.stderr.write(
        `listing done at ${Math.round(performance.now())} ms, ${id} batches, ` +
          `${deferredCount} blobs deferred, ${scannedInReaders} scanned in readers` +
          (switchedAt !== undefined ? ` (from ${Math.round(switchedAt)} ms)` : '') +
          '\n',
      );
    // Every outstanding batch is in (the loop above waits for them): collect each reader's statistics.
    for (const r of readers) if (r.alive) r.worker.postMessage('done');
    if (!signal?.aborted && !failure) await Promise.all(readers.map((r) => r.done));
  } finally {
    signal?.removeEventListener('abort', stopAll);
    if (signal?.aborted || failure) stopAll();
  }
  if (failure) throw failure;
}

/** Each batch as one sub-batch per reader by affinity, or whole for whichever reader is free. */
async function* routed(
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  readers: number,
  affinity: ((oid: string) => number) | undefined,
  preferOf?: (batch: readonly string[]) => number | undefined,
): AsyncGenerator<{ batch: readonly string[]; prefer?: number }> {
  for await (const batch of oids) {
    const own = readers < 2 ? undefined : preferOf?.(batch);
    if (own !== undefined) {
      yield { batch, prefer: own % readers };
      continue;
    }
    if (!affinity || readers < 2) {
      yield { batch };
      continue;
    }
    const parts: string[][] = Array.from({ length: readers }, () => []);
    for (const oid of batch) parts[Math.abs(affinity(oid)) % readers]!.push(oid);
    for (let i = 0; i < readers; i++)
      if (parts[i]!.length > 0) yield { batch: parts[i]!, prefer: i };
  }
}

/**
 * Bytes of kept blobs a reader's result may hold (read-batch.ts, DEFERRED): results wait for this
 * thread, at most two per reader, so this bounds what waits to about 4 x 16 MB.
 */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/**
 * When the readers start to scan: once this thread has spent SWITCH_AFTER_MS scanning, and that is
 * at least SWITCH_SHARE of the time since the readers started. On upstash/docs, where every one
 * of 170 versions of a 3 MB llms-full.txt is full of keywords, this thread scanned for 16 of 17 s
 * while both readers waited; scanning in the readers took it to 9.4 s, and its peak RSS from
 * 1.25 GB to 0.49 GB (no blob's bytes queue up for this thread). Where little passes the gate
 * (trufflehog, renovate: this thread scans under 20% of the time) the readers are the bottleneck
 * and loading the detectors in each of them cost 8-12% more time: they never switch there.
 */
const SWITCH_AFTER_MS = 250;
const SWITCH_SHARE = 0.5;

/**
 * Oids per request once the readers scan: scanning, not inflating, is then most of a reader's
 * work, and it varies a thousandfold between blobs. One path's versions go to one reader, and
 * requests of a whole listing chunk (~400 blobs) kept one reader busy 13 s and the other 3.5 s on
 * upstash/docs; small requests let the idle reader take the next one (a reader's own requests
 * first, at most two outstanding). 32 against 64-256: the same time or less, and the least memory.
 */
const SCAN_BATCH = 32;

/** Each request cut into requests of at most `max()` oids (read as each request is cut), in order. */
async function* pieces<T extends { batch: readonly string[] }>(
  batches: AsyncIterable<T>,
  max: () => number,
): AsyncGenerator<T> {
  for await (const b of batches) {
    for (let i = 0; i < b.batch.length;) {
      const n = max();
      if (i === 0 && b.batch.length <= n) {
        yield b;
        break;
      }
      yield { ...b, batch: b.batch.slice(i, i + n) };
      i += n;
    }
  }
}

/** Each batch, less the blobs `ungated` picks, which follow as a request of their own. */
async function* split(
  batches: AsyncIterable<{ batch: readonly string[]; prefer?: number }>,
  ungated: ((oid: string) => boolean) | undefined,
): AsyncGenerator<{ batch: readonly string[]; prefer?: number; ungated?: true }> {
  for await (const b of batches) {
    if (!ungated || !b.batch.some(ungated)) {
      yield b;
      continue;
    }
    yield { ...b, batch: b.batch.filter((o) => !ungated(o)) };
    yield { ...b, batch: b.batch.filter(ungated), ungated: true };
  }
}

/** The same batches, the first one requested at once. */
function prefetched(
  oids: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
): AsyncIterable<readonly string[]> {
  const it =
    Symbol.asyncIterator in oids
      ? oids[Symbol.asyncIterator]()
      : (oids as Iterable<readonly string[]>)[Symbol.iterator]();
  const first = Promise.resolve(it.next());
  // A listing that fails before it is read is reported when it is read, not as unhandled.
  first.catch(() => undefined);
  return {
    async *[Symbol.asyncIterator]() {
      let r = await first;
      try {
        while (!r.done) {
          yield r.value;
          r = await it.next();
        }
      } finally {
        if (!r.done) await it.return?.();
      }
    },
  };
}

/** An async iterable of batches that is fed while it is being read. */
class BatchQueue implements AsyncIterable<readonly string[]> {
  private items: (readonly string[])[] = [];
  private ended = false;
  private waiting: (() => void) | undefined;

  push(batch: readonly string[]): void {
    this.items.push(batch);
    this.waiting?.();
  }

  end(): void {
    this.ended = true;
    this.waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<readonly string[]> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((res) => (this.waiting = res));
      this.waiting = undefined;
    }
  }
}
