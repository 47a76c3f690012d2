/** `scan FILE` and `scan -`: one file or standard input, through the same core as every mode. */
import { createReadStream } from 'node:fs';
import type { Hit, ScanResult } from '../core/index.js';
import { WindowedScanner } from '../engine/content/scan-content.js';
import { countEncoding, emptyStats, finishScan } from '../engine/finish-scan.js';
import { SkipLog } from '../engine/skipped.js';
import type { EngineOptions } from '../engine/types.js';
import { UsageError, type CliIo } from './io.js';

/** The label findings from standard input carry as their path. */
export const STDIN_LABEL = '(stdin)';

/**
 * Scans one named file (shown under the name given) or standard input (`-`), as every mode reads
 * content: UTF-16 decoded, binary as printable runs, overlapping windows past maxFileSize; over
 * hardMaxFileSize it is not scanned and the result lists it as skipped.
 */
export async function scanInput(
  file: string | undefined,
  shownAs: string,
  io: CliIo,
  opts: EngineOptions,
): Promise<ScanResult> {
  const started = Date.now();
  const stats = emptyStats();
  const skipped = new SkipLog();
  const { maxFileSize, hardMaxFileSize } = opts.config;
  const windows = new WindowedScanner({ path: shownAs }, maxFileSize);
  const source: AsyncIterable<Buffer | string> | Iterable<never> =
    file === undefined ? (io.stdin ?? []) : createReadStream(file);
  let size = 0;
  try {
    for await (const chunk of source) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > hardMaxFileSize) break;
      windows.push(b);
    }
  } catch (err) {
    throw new UsageError(
      `cannot read ${shownAs} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let hits: Hit[] = [];
  if (size > hardMaxFileSize) {
    stats.skippedTooLarge++;
    skipped.tooLarge(shownAs, size, hardMaxFileSize);
  } else {
    hits = windows.end();
    if (windows.encoding) countEncoding(stats, windows.encoding);
    stats.filesScanned = 1;
    stats.bytesScanned = size;
  }
  return finishScan('tree', hits, stats, [], opts, started, skipped);
}
