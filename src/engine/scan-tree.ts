/** Working-tree scan: every file a commit could pick up, read from disk with bounded concurrency. */
import { lstat, open } from 'node:fs/promises';
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
import type { EngineOptions } from './types.js';

const CONCURRENCY = 64;

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
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      if (opts.signal?.aborted) throw new Error('scan cancelled');
      const path = files[next++]!;
      const data = await readRegularFile(join(dir, path), opts.config.maxFileSize).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT')
            warnings.push(`${path}: could not be read (${err.code ?? 'error'})`);
          return undefined;
        },
      );
      if (data === undefined) continue;
      if (data === 'too-large') {
        stats.skippedTooLarge++;
        continue;
      }
      if (isBinary(data)) {
        stats.skippedBinary++;
        continue;
      }
      stats.filesScanned++;
      stats.bytesScanned += data.length;
      if (mayContainSecret(data)) hits.push(...scanText({ path, text: data.toString('utf8') }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return finishScan('tree', hits, stats, warnings, opts, started);
}

/** Reads a regular file (never a symlink, fifo or device), or says it is over the size cap. */
async function readRegularFile(
  path: string,
  maxSize: number,
): Promise<Buffer | 'too-large' | undefined> {
  const st = await lstat(path);
  if (!st.isFile()) return undefined;
  if (st.size > maxSize) return 'too-large';
  const fh = await open(path, 'r');
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
