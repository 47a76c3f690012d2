/**
 * A worker thread that reads batches of blobs from the repository's packs (pack-stream.ts): each
 * owns its store (file descriptors, index, delta-base ring) and applies the history gate, so that
 * only blobs that may hold a credential cross to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKeywordScanner } from '../history/keyword-scanner.js';
import { openPacksIn } from './pack-store.js';
import { emptyResult, readBatch, textGate, type BatchRequest } from './read-batch.js';

export interface PackWorkerData {
  objectsDir: string;
  maxSize: number;
  cacheBytes: number;
  /** Keywords of the text gate; absent: every blob's bytes are sent. */
  keywords?: readonly string[];
}

const data = workerData as PackWorkerData;
const port = parentPort!;
const store = openPacksIn(data.objectsDir, { cacheBytes: data.cacheBytes });
const gate = data.keywords ? textGate(createKeywordScanner(data.keywords)) : undefined;

port.on('message', (msg: BatchRequest | 'done') => {
  if (msg === 'done') {
    port.postMessage({ done: true, stats: store?.stats });
    store?.close();
    port.close();
    return;
  }
  if (!store) {
    port.postMessage({ ...emptyResult(msg.id), fallback: [...msg.oids] });
    return;
  }
  const result = readBatch(store, msg, data.maxSize, gate);
  port.postMessage(result, result.data);
});
