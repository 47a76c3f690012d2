/**
 * One batch of blob reads from the pack store, packed for a thread boundary: blobs the gate
 * lets through are copied into a few transferable buffers, blobs it rules out travel as their size
 * only, and what the store cannot answer is listed for git.
 */
import { partsAreBinary } from '../history/blob-parts.js';
import type { PackStore, PackStoreStats } from './pack-store.js';

/** Keeps a blob's bytes: true for content that may hold a keyword, or that is not plain text. */
export type ContentGate = (data: Buffer) => boolean;

export interface BatchRequest {
  id: number;
  oids: readonly string[];
}

export interface BatchResult {
  id: number;
  /** Blobs with bytes: `data[chunk]` holds them back to back, in this order. */
  oids: string[];
  sizes: number[];
  chunkOf: number[];
  data: ArrayBuffer[];
  /** Blobs the gate ruled out: read and counted, bytes not sent. */
  gated: string[];
  gatedSizes: number[];
  /** Left to git. */
  fallback: string[];
}

/** Blobs that pass the gate are few: small chunks, each copied once more only to trim it. */
const CHUNK = 1024 * 1024;

/**
 * The gate of a history scan, for a worker: a text blob (no NUL in its first 8000 bytes, no UTF-16
 * byte-order mark) without a keyword needs nothing more. Everything else goes to the visitor,
 * which decides again with the same tests.
 */
export function textGate(keywordScan: (data: Uint8Array) => boolean): ContentGate {
  return (data) => {
    if (data.length >= 2) {
      const a = data[0]!;
      const b = data[1]!;
      if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return true;
    }
    return partsAreBinary([data]) || keywordScan(data);
  };
}

export function emptyResult(id: number): BatchResult {
  return {
    id,
    oids: [],
    sizes: [],
    chunkOf: [],
    data: [],
    gated: [],
    gatedSizes: [],
    fallback: [],
  };
}

export function readBatch(
  store: PackStore,
  req: BatchRequest,
  maxSize: number,
  gate: ContentGate | undefined,
): BatchResult {
  const out = emptyResult(req.id);
  let chunk: Uint8Array | undefined;
  let used = 0;
  for (const oid of req.oids) {
    const data = store.read(oid, maxSize);
    if (!data) {
      out.fallback.push(oid);
      continue;
    }
    if (gate && !gate(data)) {
      out.gated.push(oid);
      out.gatedSizes.push(data.length);
      continue;
    }
    if (!chunk || used + data.length > chunk.length) {
      if (chunk) out.data.push(trimmed(chunk, used));
      chunk = new Uint8Array(Math.max(CHUNK, data.length));
      used = 0;
    }
    chunk.set(data, used);
    used += data.length;
    out.oids.push(oid);
    out.sizes.push(data.length);
    out.chunkOf.push(out.data.length);
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
  for (const e of from.errors) if (into.errors.length < 5) into.errors.push(e);
}
