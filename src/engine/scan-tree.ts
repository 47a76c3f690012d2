/** Working-tree scan: every file a commit could pick up, read from disk, prefiltered as raw bytes. */
import { lstatSync, readlinkSync } from 'node:fs';
import { isPathIgnored, type ScanResult } from '../core/index.js';
import { scanContent, WindowedScanner } from './content/scan-content.js';
import { sniffEncoding } from './content/sniff.js';
import { countEncoding, finishScan, newAccumulator, type HitAccumulator } from './finish-scan.js';
import { fsPath, listFiles, type ListedFile } from './list-files.js';
import { readRegularFile, readRegularFileChunks } from './read-regular-file.js';
import type { EngineOptions } from './types.js';

/** The target of a symlink, as git stores it; undefined for anything else. */
function linkText(path: string | Buffer): Buffer | undefined {
  try {
    return lstatSync(path).isSymbolicLink()
      ? readlinkSync(path, { encoding: 'buffer' })
      : undefined;
  } catch {
    return undefined;
  }
}

/** Files read between yields to the event loop (abort signals, progress, other work). */
const BATCH = 512;

export async function scanTree(dir: string, opts: EngineOptions): Promise<ScanResult> {
  const started = Date.now();
  const acc = newAccumulator();
  await collectTreeHits(dir, await listFiles(dir), opts, acc);
  return finishScan('tree', acc.hits, acc.stats, acc.warnings, opts, started, acc.skipped);
}

/**
 * Reads and scans the given files of `dir` (paths relative to it, from listFiles or vetted by the
 * caller: readRegularFile never follows a symlink in the last component).
 */
export async function collectTreeHits(
  dir: string,
  listed: readonly ListedFile[],
  opts: EngineOptions,
  acc: HitAccumulator,
): Promise<void> {
  const { hits, stats, warnings, skipped } = acc;
  const { maxFileSize, hardMaxFileSize } = opts.config;
  const files = listed.filter((f) => {
    const ignored = isPathIgnored(f.path, opts.config);
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
    const path = files[i]!.path;
    const unreadable = files[i]!.unreadable;
    if (unreadable) {
      warnings.push(`${path}: directory could not be listed (${unreadable})`);
      skipped.add({
        path,
        reason: 'unreadable',
        detail: `directory could not be listed (${unreadable})`,
      });
      continue;
    }
    const full = fsPath(dir, files[i]!);
    const r = readRegularFile(full, maxFileSize);
    if (r.kind === 'skip') {
      // A symlink is committed as the text of its target: that text is scanned (never followed).
      const link = linkText(full);
      if (link) {
        stats.filesScanned++;
        stats.bytesScanned += link.length;
        hits.push(...scanContent(link, { path }, sniffEncoding(link)));
      }
      continue;
    }
    if (r.kind === 'error') {
      warnings.push(`${path}: could not be read (${r.code})`);
      skipped.add({ path, reason: 'unreadable', detail: `could not be read (${r.code})` });
      continue;
    }
    if (r.kind === 'too-large') {
      if (r.size > hardMaxFileSize) {
        stats.skippedTooLarge++;
        skipped.tooLarge(path, r.size, hardMaxFileSize);
        continue;
      }
      // Larger than one window: read and scan in overlapping windows.
      const windows = new WindowedScanner({ path }, maxFileSize);
      let bytes = 0;
      const failed = readRegularFileChunks(full, maxFileSize, hardMaxFileSize, (c) => {
        bytes += c.length;
        windows.push(c);
      });
      if (failed?.kind === 'error') {
        warnings.push(`${path}: could not be read (${failed.code})`);
        skipped.add({ path, reason: 'unreadable', detail: `could not be read (${failed.code})` });
        continue;
      }
      hits.push(...windows.end());
      if (windows.encoding) countEncoding(stats, windows.encoding);
      stats.filesScanned++;
      stats.bytesScanned += bytes;
      continue;
    }
    const sniffed = sniffEncoding(r.data.subarray(0, 8000));
    countEncoding(stats, sniffed.encoding);
    stats.filesScanned++;
    stats.bytesScanned += r.data.length;
    hits.push(...scanContent(r.data, { path }, sniffed));
  }
  if (opts.signal?.aborted) throw new Error('scan cancelled');
  opts.onProgress?.({ phase: 'done', done: total, total, bytes: stats.bytesScanned });
}
