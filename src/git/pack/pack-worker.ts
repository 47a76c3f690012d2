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
  /**
   * The URL of a module whose `scanInReader` export takes (bytes, path, ungated) and returns a
   * cloneable answer: for requests that ask (BatchRequest.scan), the blobs that pass the gate are
   * scanned here and only the answers are sent. Loaded at the first such request.
   */
  scan?: string;
  /** Bytes of kept blobs one result may hold (read-batch.ts, DEFERRED). */
  maxKeptBytes?: number;
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

type ScanInReader = (data: Buffer, path: string, ungated: boolean) => unknown;
let scanning: Promise<ScanInReader> | undefined;

let busyMs = 0;
// Requests are answered in order; the first that asks for a scan waits for the scanning module to
// load. A module that fails to load fails the worker: its batches go to git, and the main thread
// scans them.
let turn: Promise<void> = Promise.resolve();
port.on('message', (msg: BatchRequest | 'done') => {
  if (msg !== 'done' && msg.scan && data.scan)
    scanning ??= import(data.scan).then((m: { scanInReader: ScanInReader }) => m.scanInReader);
  const scan = msg !== 'done' && msg.scan ? scanning : undefined;
  turn = turn.then(() => scan).then((scanIn) => answer(msg, scanIn));
});

function answer(msg: BatchRequest | 'done', scanIn: ScanInReader | undefined): void {
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
  const paths = scanIn ? (msg.paths?.split('\0') ?? []) : [];
  const ungated = msg.ungated === true;
  const scan = scanIn
    ? (bytes: Buffer, i: number): unknown => scanIn(bytes, paths[i] ?? '', ungated)
    : undefined;
  const result = readBatch(
    store,
    msg,
    data.maxSize,
    ungated ? undefined : gate,
    scan,
    data.maxKeptBytes,
  );
  busyMs += performance.now() - t;
  port.postMessage(result, transferables(result));
}
