/** Working-tree scan: every file a commit could pick up, read from disk, prefiltered as raw bytes. */
import { join } from 'node:path';
import {
  isPathIgnored,
  mayContainSecret,
  scanText,
  type Hit,
  type ScanResult,
} from '../core/index.js';
import { emptyStats, finishScan, isBinary } from './finish-scan.js';
import { listFiles } from './list-files.js';
import { readRegularFile } from './read-regular-file.js';
import type { EngineOptions } from './types.js';

/** Files read between yields to the event loop (abort signals, progress, other work). */
const BATCH = 512;

export async function scanTree(dir: string, opts: EngineOptions): Promise<ScanResult> {
  const started = Date.now();
  const stats = emptyStats();
  const warnings: string[] = [];
  const hits: Hit[] = [];
  const files = (await listFiles(dir)).filter((p) => {
    const ignored = isPathIgnored(p, opts.config);
    if (ignored) stats.skippedIgnored++;
    return !ignored;
  });
  const total = files.length;
  for (let i = 0; i < total; i++) {
    if (i % BATCH === 0 && i > 0) {
      await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) throw new Error('scan cancelled');
      opts.onProgress?.({ phase: 'scan', done: i, total, bytes: stats.bytesScanned });
    }
    const path = files[i]!;
    const r = readRegularFile(join(dir, path), opts.config.maxFileSize);
    if (r.kind === 'skip') continue;
    if (r.kind === 'error') {
      warnings.push(`${path}: could not be read (${r.code})`);
      continue;
    }
    if (r.kind === 'too-large') {
      stats.skippedTooLarge++;
      continue;
    }
    if (isBinary(r.data)) {
      stats.skippedBinary++;
      continue;
    }
    stats.filesScanned++;
    stats.bytesScanned += r.data.length;
    if (mayContainSecret(r.data)) hits.push(...scanText({ path, text: r.data.toString('utf8') }));
  }
  if (opts.signal?.aborted) throw new Error('scan cancelled');
  opts.onProgress?.({ phase: 'done', done: total, total, bytes: stats.bytesScanned });
  return finishScan('tree', hits, stats, warnings, opts, started);
}
