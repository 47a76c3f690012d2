/**
 * One batch of blob reads from the pack store, packed for a thread boundary: blobs the gate
 * lets through are copied into a few transferable buffers, blobs it rules out travel as their size
 * only, and what the store cannot answer is listed for git.
 */
import { partsAreBinary } from '../history/blob-parts.js';
import type { PackStore, PackStoreStats } from './pack-store.js';

/**
 * Keeps a blob's bytes: true for content that may hold a keyword, or that is not plain text.
 * `mayHoldKeyword` is the store's answer for the blob when it has one (pack-store.ts): then the
 * keyword scan is not made again.
 */
export type ContentGate = (data: Buffer, mayHoldKeyword?: boolean) => boolean;

/** Characters of one oid in a request (the pack reader reads SHA-1 repositories only). */
export const OID_HEX = 40;

export interface BatchRequest {
  id: number;
  /**
   * The blobs' oids back to back, OID_HEX characters each: one string crosses the thread boundary
   * as one copy, where an array of thousands of strings was cloned one by one.
   */
  oids: string;
  /** The gate does not apply: blobs read whatever they hold (files read by their path). */
  ungated?: true;
  /** The reader scans the blobs that pass the gate (PackWorkerData.scan) and sends its answers. */
  scan?: true;
  /**
   * With `scan`: the blobs' paths, in order, NUL-separated (no git path holds a NUL). Absent: a
   * scan without paths ('' for each).
   */
  paths?: string;
}

/** What became of each blob of a request. */
export const KEPT = 0;
export const GATED = 1;
export const FALLBACK = 2;
/** Read and scanned by the reader: its answer is in `scans`, its bytes stay there. */
export const SCANNED = 3;
/** Not read: the result already holds `maxKept` bytes. The main thread asks for it again. */
export const DEFERRED = 4;

/**
 * Per blob of the request, in its order: typed arrays, which cross the boundary as transferred
 * memory (the oids' strings, sent back for every gated blob, cost each reader about 0.1 s of
 * cloning on trufflehog). The main thread knows the oids: it sent them.
 */
export interface BatchResult {
  id: number;
  /** KEPT (bytes in `data`), GATED (read, ruled out: only its size), FALLBACK (left to git). */
  outcome: Uint8Array;
  /** Size of each kept or gated blob. */
  sizes: Float64Array;
  /** For a kept blob: the chunk of `data` holding its bytes (kept blobs back to back, in order). */
  chunkOf: Int32Array;
  data: ArrayBuffer[];
  /**
   * The answers of a reader that scans, one per SCANNED blob in order (opaque here: the scanning
   * module's, cloned across the boundary; findings are few and small).
   */
  scans?: unknown[];
}

/** A reader's scan of one blob that passed the gate: `index` is its place in the request. */
export type ReaderScanFn = (data: Buffer, index: number) => unknown;

/** Blobs that pass the gate are few: small chunks, each copied once more only to trim it. */
const CHUNK = 1024 * 1024;

/**
 * The gate of a history scan, for a worker: a text blob (no NUL in its first 8000 bytes, no UTF-16
 * byte-order mark) without a keyword needs nothing more. Everything else goes to the visitor,
 * which decides again with the same tests.
 */
export function textGate(
  keywordScan: (data: Uint8Array) => boolean,
  /** Also keeps blobs this passes (files a detector reads by path, for a scan without paths). */
  byContent?: (data: Uint8Array) => boolean,
): ContentGate {
  return (data, mayHoldKeyword) => {
    if (data.length >= 2) {
      const a = data[0]!;
      const b = data[1]!;
      if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return true;
    }
    return (
      partsAreBinary([data]) ||
      (mayHoldKeyword ?? keywordScan(data)) ||
      (byContent !== undefined && byContent(data))
    );
  };
}

/** A result that leaves every blob of the request to git (`count` blobs). */
export function allFallback(id: number, count: number): BatchResult {
  return {
    id,
    outcome: new Uint8Array(count).fill(FALLBACK),
    sizes: new Float64Array(count),
    chunkOf: new Int32Array(count),
    data: [],
  };
}

/** The buffers to transfer with a result. */
export function transferables(r: BatchResult): ArrayBuffer[] {
  return [...r.data, r.outcome.buffer, r.sizes.buffer, r.chunkOf.buffer] as ArrayBuffer[];
}

export function readBatch(
  store: PackStore,
  req: BatchRequest,
  maxSize: number,
  gate: ContentGate | undefined,
  scan?: ReaderScanFn,
  /**
   * Bytes of kept blobs a result may hold: once there, the rest of the request is DEFERRED, not
   * read. Results queue up for the main thread while it scans; a request of 400 blobs, each a
   * version of a 3 MB file full of keywords, held hundreds of megabytes.
   */
  maxKept = Infinity,
): BatchResult {
  const count = Math.floor(req.oids.length / OID_HEX);
  const out: BatchResult = {
    id: req.id,
    outcome: new Uint8Array(count),
    sizes: new Float64Array(count),
    chunkOf: new Int32Array(count),
    data: [],
  };
  let chunk: Uint8Array | undefined;
  let used = 0;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if (kept >= maxKept) {
      out.outcome.fill(DEFERRED, i);
      break;
    }
    const data = store.read(req.oids.slice(i * OID_HEX, (i + 1) * OID_HEX), maxSize);
    if (!data) {
      out.outcome[i] = FALLBACK;
      continue;
    }
    out.sizes[i] = data.length;
    if (gate && !gate(data, store.mayHoldKeyword)) {
      out.outcome[i] = GATED;
      continue;
    }
    if (scan) {
      // The store's buffer is reused by its next read: the scan is done before then.
      (out.scans ??= []).push(scan(data, i));
      out.outcome[i] = SCANNED;
      continue;
    }
    if (!chunk || used + data.length > chunk.length) {
      if (chunk) out.data.push(trimmed(chunk, used));
      chunk = new Uint8Array(Math.max(CHUNK, data.length));
      used = 0;
    }
    chunk.set(data, used);
    used += data.length;
    kept += data.length;
    out.outcome[i] = KEPT;
    out.chunkOf[i] = out.data.length;
  }
  if (chunk) out.data.push(trimmed(chunk, used));
  return out;
}

/** The chunk's bytes as a transferable buffer: itself when full (a blob of a chunk's own). */
function trimmed(chunk: Uint8Array, used: number): ArrayBuffer {
  return (used === chunk.length ? chunk.buffer : chunk.buffer.slice(0, used)) as ArrayBuffer;
}

export function addStats(into: PackStoreStats, from: PackStoreStats): void {
  into.read += from.read;
  into.notFound += from.notFound;
  into.tooLarge += from.tooLarge;
  into.malformed += from.malformed;
  into.cacheHits += from.cacheHits;
  into.cacheMisses += from.cacheMisses;
  into.inflated += from.inflated;
  into.gateBytes += from.gateBytes;
  for (const e of from.errors) if (into.errors.length < 5) into.errors.push(e);
}
