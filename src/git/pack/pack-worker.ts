/**
 * A worker thread that reads batches of blobs from the repository's packs (pack-stream.ts): each
 * owns its store (file descriptors, index, delta-base ring) and applies the history gate, so that
 * only blobs that may hold a credential cross to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { matchesPathContent } from '../../core/scan/path-content.js';
import { createKeywordScanner } from '../history/keyword-scanner.js';
import { openPacksIn, type SharedIndex } from './pack-store.js';
import {
  allFallback,
  OID_HEX,
  readBatch,
  textGate,
  transferables,
  type BatchRequest,
} from './read-batch.js';

export interface PackWorkerData {
  objectsDir: string;
  indexes: SharedIndex[];
  maxSize: number;
  cacheBytes: number;
  /** Keywords of the text gate; absent: every blob's bytes are sent. */
  keywords?: readonly string[];
  /**
   * The gate also keeps small blobs that pass all tests of one group (core's PATH_CONTENT, as
   * regex sources: a worker does not load the detectors).
   */
  pathContent?: { source: string; flags: string }[][];
  /** Bytes a blob may have for `pathContent` to apply. */
  pathContentBytes?: number;
}

const data = workerData as PackWorkerData;
const port = parentPort!;
const scanner = data.keywords ? createKeywordScanner(data.keywords) : undefined;
// The store gates as it builds each blob from its delta base (only the changes are scanned).
const store = openPacksIn(
  data.objectsDir,
  { cacheBytes: data.cacheBytes, ...(scanner ? { keywordGate: scanner } : {}) },
  data.indexes,
);
const pathTests = data.pathContent?.map((all) => all.map((t) => new RegExp(t.source, t.flags)));
const pathBytes = data.pathContentBytes ?? 0;
const byContent =
  pathTests && pathTests.length > 0
    ? (d: Uint8Array): boolean => matchesPathContent(d, pathTests, pathBytes)
    : undefined;
const gate = scanner ? textGate(scanner, byContent) : undefined;

let busyMs = 0;
port.on('message', (msg: BatchRequest | 'done') => {
  if (msg === 'done') {
    port.postMessage({ done: true, stats: store?.stats, busyMs });
    store?.close();
    port.close();
    return;
  }
  if (!store) {
    const r = allFallback(msg.id, Math.floor(msg.oids.length / OID_HEX));
    port.postMessage(r, transferables(r));
    return;
  }
  const t = performance.now();
  const result = readBatch(store, msg, data.maxSize, msg.ungated ? undefined : gate);
  busyMs += performance.now() - t;
  port.postMessage(result, transferables(result));
});
